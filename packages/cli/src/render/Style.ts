/**
 * Terminal styling: colour only on a TTY and only when NO_COLOR is unset (https://no-color.org).
 */
export interface Style {
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly green: (text: string) => string;
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
}

const wrap =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

const plain = (text: string): string => text;

export const makeStyle = (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style => {
  const colour = stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== "dumb";
  return colour
    ? {
        red: wrap(31, 39),
        yellow: wrap(33, 39),
        green: wrap(32, 39),
        bold: wrap(1, 22),
        dim: wrap(2, 22),
      }
    : { red: plain, yellow: plain, green: plain, bold: plain, dim: plain };
};
