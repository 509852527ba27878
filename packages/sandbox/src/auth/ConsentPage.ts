/**
 * The HTML pages of the sandbox's Auth: consent, the native-app code page, "access denied" and
 * error pages. Strings in, HTML out; every interpolated value is escaped and every attribute is
 * double-quoted. No scripts: the pages work in any browser and in a headless test.
 */

/** Escapes text for HTML content and double-quoted attributes. */
export const escapeHtml = (text: string): string =>
  text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

/** One scope as the consent page shows it, with its dependencies. */
export interface ScopeView {
  readonly scope: string;
  readonly description: string;
  readonly optional: boolean;
  readonly dependencies: readonly ScopeView[];
}

const STYLE = `
  :root { color-scheme: light dark; --accent: #1f6fb2; --muted: #667; --line: #ccd3dc; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
  header { background: var(--accent); color: #fff; padding: .75rem 1.5rem; font-weight: 600; }
  main { max-width: 44rem; margin: 2rem auto; padding: 0 1.5rem; }
  h1 { font-size: 1.5rem; line-height: 1.3; }
  code, .code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; word-break: break-all; }
  .muted { color: var(--muted); font-size: .9rem; }
  .note { border-left: 4px solid var(--accent); padding: .5rem 1rem; background: rgba(31, 111, 178, .08); }
  ul.scopes, ul.scopes ul { list-style: none; padding-left: 1.25rem; }
  ul.scopes { padding-left: 0; }
  ul.scopes li { margin: .6rem 0; }
  ul.scopes ul { border-left: 2px solid var(--line); margin-top: .4rem; }
  .badge { font-size: .75rem; border: 1px solid var(--line); border-radius: 1rem; padding: 0 .5rem; margin-left: .4rem; }
  .actions { display: flex; gap: 1rem; margin-top: 2rem; }
  button { font: inherit; padding: .6rem 1.6rem; border-radius: .4rem; border: 1px solid var(--accent); cursor: pointer; }
  button.allow { background: var(--accent); color: #fff; }
  button.deny { background: transparent; color: inherit; }
  .code { display: block; padding: 1rem; border: 1px dashed var(--line); border-radius: .4rem; font-size: 1.1rem; user-select: all; }
  label { display: block; margin-top: 1rem; }
  input[type="text"] { font: inherit; width: 100%; padding: .4rem; }
  footer { max-width: 44rem; margin: 3rem auto 2rem; padding: 0 1.5rem; color: var(--muted); font-size: .8rem; }
`;

const page = (title: string, body: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Globus Auth (transflow sandbox)</title>
<style>${STYLE}</style>
</head>
<body>
<header>Globus Auth · transflow sandbox</header>
<main>
${body}
</main>
<footer>A local stand-in for Globus Auth: no real account, data or password is involved.</footer>
</body>
</html>
`;

const scopeList = (scopes: readonly ScopeView[]): string => {
  if (scopes.length === 0) return "";
  const items = scopes.map(
    (view) =>
      `<li><strong>${escapeHtml(view.description)}</strong>${
        view.optional ? '<span class="badge">optional</span>' : ""
      }<br><code>${escapeHtml(view.scope)}</code>${scopeList(view.dependencies)}</li>`,
  );
  return `<ul class="scopes">${items.join("")}</ul>`;
};

/** What the consent page needs; `requestId` is the one-time id of the pending request. */
export interface ConsentPageOptions {
  readonly clientName: string;
  readonly clientId: string;
  readonly identityName: string;
  readonly identityUsername: string;
  readonly scopes: readonly ScopeView[];
  readonly requestId: string;
  /** Form action, relative to the authorize URL so the page works under any prefix. */
  readonly action: string;
  readonly sessionMessage: string | undefined;
  readonly namedGrant: string | undefined;
}

/** The consent page: who asks, as whom, for what (dependencies nested), and Allow / Deny. */
export const consentPage = (options: ConsentPageOptions): string =>
  page(
    `Allow ${options.clientName}`,
    `<h1>Allow “${escapeHtml(options.clientName)}” to use your Globus account?</h1>
<p>Logged in as <strong>${escapeHtml(options.identityName)}</strong> (${escapeHtml(options.identityUsername)}).</p>
${options.sessionMessage === undefined ? "" : `<p class="note">${escapeHtml(options.sessionMessage)}</p>`}
<p>The app <strong>${escapeHtml(options.clientName)}</strong> <span class="muted">(client ${escapeHtml(options.clientId)})</span> asks to:</p>
${scopeList(options.scopes)}
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="request_id" value="${escapeHtml(options.requestId)}">
<label>Name this consent (optional)
<input type="text" name="named_grant" value="${escapeHtml(options.namedGrant ?? "")}"></label>
<div class="actions">
<button type="submit" name="decision" value="allow" class="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="deny">Deny</button>
</div>
</form>
<p class="muted">You can withdraw this consent later; apps only get what is listed here.</p>`,
  );

/** The native-app page that shows the authorization code to copy, as Globus's /v2/web/auth-code. */
export const authCodePage = (code: string): string =>
  page(
    "Native App Authorization Code",
    `<h1>Native App Authorization Code</h1>
<p>Copy this code and paste it into the application that asked you to log in:</p>
<p><span class="code" id="code">${escapeHtml(code)}</span></p>
<p class="muted">The code works once and expires in a few minutes. You can close this page afterwards.</p>`,
  );

/** What the native default page shows after "Deny"; the app's name when it is known. */
export const deniedPage = (clientName: string | undefined): string =>
  page(
    "Access denied",
    `<h1>Access denied</h1>
<p>You did not allow ${clientName === undefined ? "the application" : `“${escapeHtml(clientName)}”`} to use your Globus account. No code was issued.</p>
<p class="muted">Return to the application; it can ask again.</p>`,
  );

/** What an error page shows. */
export interface ErrorPageOptions {
  readonly title: string;
  readonly message: string;
  /** Globus-style code, e.g. `UNKNOWN_SCOPE_ERROR`. */
  readonly code: string;
  readonly errorId: string;
  /** ISO 8601 time of the error. */
  readonly time: string;
  readonly hint?: string;
}

/** An error page in Globus's layout: title, message, then "Error code", "Error ID" and time. */
export const errorPage = (options: ErrorPageOptions): string =>
  page(
    options.title,
    `<h1>${escapeHtml(options.title)}</h1>
<p>${escapeHtml(options.message)}</p>
${options.hint === undefined ? "" : `<p class="note">${escapeHtml(options.hint)}</p>`}
<p class="muted">Error code: ${escapeHtml(options.code)}<br>
Error ID: ${escapeHtml(options.errorId)}<br>
Time: ${escapeHtml(options.time)}</p>`,
  );
