/**
 * What the planner needs to know from Globus before planning: each collection's endpoint document
 * and the scopes the identity's tokens carry. Nothing here fails the command: a collection that
 * cannot be looked up, or an identity that cannot get a token, becomes a diagnostic, and the plan
 * is made from what the workflow declares.
 */
import {
  type Diagnostic,
  type Locator,
  makeError,
  makeWarning,
  type PlanFacts,
  type PlanIdentity,
  type Workflow,
  workflowScope,
} from "@transflow/core";
import { Effect, Either } from "effect";
import { AuthTokens } from "../globus/AuthTokens.ts";
import { lookupCollections } from "../globus/CollectionLookup.ts";
import { credentialsFromEnv } from "../globus/Credentials.ts";
import { globusLayerFromEnv } from "../globus/GlobusLayers.ts";

export interface GatherPlanFactsInput {
  readonly workflow: Workflow;
  /** The workflow file as the user named it. */
  readonly file: string;
  readonly locate: Locator;
  /** Where credentials and service URLs come from (`process.env` at the edge). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface GatheredPlanFacts {
  readonly facts: PlanFacts;
  readonly identity: PlanIdentity;
  /** Warnings about what could not be learnt; an error only for a broken configuration. */
  readonly diagnostics: readonly Diagnostic[];
}

const OFFLINE_HINT = "or plan with --offline to use only what the workflow declares";

/** Token-endpoint and login failures: no lookup can work without a token. */
const isLoginProblem = (tag: string): boolean =>
  tag === "LoginRequiredError" || tag === "AuthenticationError" || tag === "OAuthError";

/** `gatherPlanFacts` with the Globus services of the caller (one identity for plan and run). */
export const gatherPlanFactsWith = ({ workflow, file, locate, env }: GatherPlanFactsInput) =>
  Effect.gen(function* () {
    const tokens = yield* AuthTokens;
    const diagnostics: Diagnostic[] = [];
    const notLoggedIn = (summary: string): GatheredPlanFacts => ({
      // Nobody is logged in: nothing is granted, so the plan shows every consent as missing.
      facts: { granted: { scopes: [] } },
      identity: tokens.identity === "client" ? "client" : "user",
      diagnostics: [
        ...diagnostics,
        makeWarning(
          "not-logged-in",
          summary,
          { file },
          `collections were not looked up; ${OFFLINE_HINT}`,
        ),
      ],
    });
    if (tokens.identity === "none") {
      return notLoggedIn(
        "not logged in: run transflow login (a person), or set TRANSFLOW_CLIENT_ID and TRANSFLOW_CLIENT_SECRET (a client identity, for CI)",
      );
    }
    const identity: PlanIdentity = tokens.identity;

    const aliases = Object.entries(workflow.collections);
    const lookups = yield* lookupCollections(aliases.map(([, c]) => c.id));
    const loginFailure = lookups.failures.find((f) => isLoginProblem(f.error._tag));
    if (loginFailure !== undefined) return notLoggedIn(loginFailure.error.message);
    for (const { id, error } of lookups.failures) {
      for (const [alias] of aliases.filter(([, c]) => c.id.toLowerCase() === id.toLowerCase())) {
        diagnostics.push(
          makeWarning(
            "collection-lookup-failed",
            `could not look collection "${alias}" (${id}) up: ${error.message}; the facts the workflow declares are used`,
            locate(["collections", alias]),
            "declare its kind (and highAssurance) so the plan does not depend on the lookup",
          ),
        );
      }
    }
    const collections = { documents: lookups.documents, notFound: lookups.notFound };

    if (identity === "client") {
      // A client identity has no consent page: Globus Auth grants it the scopes that exist.
      // Asking now shows in the plan whether the run's scope will be granted.
      const scope = workflowScope(workflow, collections, "client");
      const requested = yield* Effect.either(tokens.requestScope(scope));
      if (requested._tag === "Left") {
        diagnostics.push(
          makeError(
            "scope-refused",
            `Globus Auth refused the run's scope for this client: ${requested.left.message}`,
            { file },
            "check the collections' kinds: only GCS v5 mapped collections have a data_access scope",
          ),
        );
      }
    }
    const granted = yield* Effect.either(tokens.grantedScopes);
    if (granted._tag === "Left") return notLoggedIn(granted.left.message);
    // A refresh token handed over in the environment knows only its own top-level scopes.
    const source = credentialsFromEnv(env);
    const bareRefreshToken = Either.isRight(source) && source.right.kind === "refreshToken";
    return {
      facts: {
        collections,
        granted: {
          scopes: granted.right,
          ...(bareRefreshToken ? { dependenciesKnown: false } : {}),
        },
      },
      identity,
      diagnostics,
    } satisfies GatheredPlanFacts;
  });

/**
 * Looks the workflow's collections up at Globus Transfer with the identity the environment
 * configures, and reads which scopes its tokens carry. Resolves, never rejects, for anything a
 * user can get wrong (a half-set credential pair, a bad `GLOBUS_SDK_ENVIRONMENT`).
 */
export const gatherPlanFacts = (input: GatherPlanFactsInput): Promise<GatheredPlanFacts> =>
  Effect.runPromise(
    gatherPlanFactsWith(input).pipe(
      Effect.provide(globusLayerFromEnv(input.env)),
      Effect.catchAll((error) =>
        Effect.succeed<GatheredPlanFacts>({
          facts: {},
          identity: "user",
          diagnostics: [makeError("globus-configuration", error.message, { file: input.file })],
        }),
      ),
    ),
  );
