/**
 * Runs a command's effect until it ends or Ctrl-C (SIGINT, SIGTERM) interrupts it, for `run` and
 * `wait`: the runner's own finalizers record the interruption; the command says what it left.
 */
import { Cause, Effect, Exit, Fiber } from "effect";

export interface Interruptible<A> {
  /** What the effect returned, or `ifInterrupted` when the interrupt ended it first. */
  readonly result: A;
  readonly interrupted: boolean;
}

/** A defect is rethrown, for main's "internal error" message: it is a bug, not a Ctrl-C. */
export const runUntilInterrupted = async <A>(
  effect: Effect.Effect<A>,
  ifInterrupted: A,
): Promise<Interruptible<A>> => {
  const fiber = Effect.runFork(effect);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    Effect.runFork(Fiber.interrupt(fiber));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const exit = await Effect.runPromise(Fiber.await(fiber));
    if (Exit.isSuccess(exit)) return { result: exit.value, interrupted };
    if (Cause.isInterruptedOnly(exit.cause)) return { result: ifInterrupted, interrupted };
    throw Cause.squash(exit.cause);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
};
