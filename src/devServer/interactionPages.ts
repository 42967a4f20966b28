// The embedded provider's pages, as plain HTML: sign in, allow access, and what went wrong.
// No script; forms post back to the interaction routes (interactions.ts).

export interface PageFrame {
  /** The provider's name in the header ("Local VAT Gateway"). */
  providerName: string
}

export interface LoginPageModel extends PageFrame {
  /** Where the sign-in form posts, and where "Cancel" posts. */
  loginAction: string
  abortAction: string
  /** The app that asked (the client's name, or its id). */
  clientName: string
  /** The demo account, shown on the page so anyone can sign in. */
  demoAccount: { login: string; password: string }
  /** What the user typed before, and why it failed. */
  login?: string
  error?: string
}

export interface ConsentPageModel extends PageFrame {
  confirmAction: string
  abortAction: string
  clientName: string
  /** Who is signed in. */
  accountName: string
  /** The scopes asked for and not granted yet, in words. */
  scopes: Array<{ scope: string; words: string }>
}

export interface ErrorPageModel extends PageFrame {
  title: string
  message: string
}

/**
 * The sign-in page, with the demo account's login and password shown above the form.
 *
 * @example
 * sendHtml(res, 200, loginPage({ providerName, loginAction, abortAction, clientName: 'Ledgerline', demoAccount }))
 */
export function loginPage(model: LoginPageModel): string {
  const { demoAccount } = model
  return layout(
    model,
    `Sign in – ${model.providerName}`,
    `
    <h1>Sign in</h1>
    <p class="lead"><strong>${escape(model.clientName)}</strong> wants to connect to your VAT account.</p>
    <aside class="demo" aria-label="Demo account">
      <span class="demo-label">Demo account</span>
      <span>User ID <code>${escape(demoAccount.login)}</code> · Password <code>${escape(demoAccount.password)}</code></span>
    </aside>
    ${model.error ? `<p class="error" role="alert">${escape(model.error)}</p>` : ''}
    <form method="post" action="${escape(model.loginAction)}" class="stack">
      <label>User ID<input name="login" autocomplete="username" required${model.login ? '' : ' autofocus'} value="${escape(model.login ?? '')}"></label>
      <label>Password<input name="password" type="password" autocomplete="current-password" required${model.login ? ' autofocus' : ''}></label>
      <button type="submit" class="primary">Sign in</button>
    </form>
    <form method="post" action="${escape(model.abortAction)}">
      <button type="submit" class="link">Cancel and go back to ${escape(model.clientName)}</button>
    </form>`,
  )
}

/**
 * The consent page: which app asks for what, Allow or Cancel.
 *
 * @example
 * sendHtml(res, 200, consentPage({ ..., scopes: [{ scope: 'write:vat', words: 'Change your VAT information' }] }))
 */
export function consentPage(model: ConsentPageModel): string {
  const items = model.scopes.map(({ scope, words }) => `<li><span>${escape(words)}</span> <code>${escape(scope)}</code></li>`).join('')
  return layout(
    model,
    `Allow access – ${model.providerName}`,
    `
    <h1>Allow ${escape(model.clientName)} access?</h1>
    <p class="lead">Signed in as <strong>${escape(model.accountName)}</strong>. ${escape(model.clientName)} will be able to:</p>
    <ul class="scopes">${items}</ul>
    <p class="small">You can take this authority back at any time by disconnecting in ${escape(model.clientName)}.</p>
    <div class="actions">
      <form method="post" action="${escape(model.confirmAction)}"><button type="submit" class="primary">Allow</button></form>
      <form method="post" action="${escape(model.abortAction)}"><button type="submit">Cancel</button></form>
    </div>`,
  )
}

/** A page saying what went wrong, and what to do. */
export function errorPage(model: ErrorPageModel): string {
  return layout(
    model,
    `${model.title} – ${model.providerName}`,
    `
    <h1>${escape(model.title)}</h1>
    <p class="lead">${escape(model.message)}</p>`,
  )
}

function layout(frame: PageFrame, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>${STYLES}</style>
</head>
<body>
<header><span class="mark" aria-hidden="true"></span>${escape(frame.providerName)}</header>
<main>${body}
</main>
<footer>A development authorization server (oidc-provider, from grantflow/dev) on this machine. Nothing leaves it.</footer>
</body>
</html>`
}

const STYLES = `
:root { color-scheme: light; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #0b0c0c; background: #f3f2f1; }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; }
header { background: #0b0c0c; color: #fff; font-weight: 700; padding: 14px 24px; display: flex; align-items: center; gap: 10px; }
.mark { width: 14px; height: 14px; border-radius: 3px; background: #00703c; }
main { width: min(480px, calc(100% - 32px)); margin: 40px auto; background: #fff; padding: 32px; border-radius: 6px; box-shadow: 0 1px 3px rgb(0 0 0 / 12%); box-sizing: border-box; }
h1 { font-size: 1.6rem; margin: 0 0 12px; }
.lead { margin: 0 0 20px; }
.demo { display: flex; flex-direction: column; gap: 2px; background: #e8f1f8; border-left: 4px solid #1d70b8; padding: 10px 14px; margin: 0 0 20px; }
.demo-label { font-size: .8rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: #1d70b8; }
code { font: 600 .95em ui-monospace, SFMono-Regular, Menlo, monospace; background: #f3f2f1; padding: 1px 5px; border-radius: 3px; }
.error { border-left: 4px solid #d4351c; color: #d4351c; font-weight: 700; padding: 6px 12px; margin: 0 0 16px; }
.stack { display: flex; flex-direction: column; gap: 16px; margin-bottom: 12px; }
label { display: flex; flex-direction: column; gap: 4px; font-weight: 700; }
input { font: inherit; padding: 8px; border: 2px solid #0b0c0c; border-radius: 0; }
input:focus, button:focus { outline: 3px solid #ffdd00; outline-offset: 0; }
button { font: inherit; font-weight: 600; padding: 9px 18px; border: 0; border-radius: 3px; background: #f3f2f1; color: #0b0c0c; box-shadow: 0 2px 0 #929191; cursor: pointer; }
button.primary { background: #00703c; color: #fff; box-shadow: 0 2px 0 #002d18; }
button.link { background: none; box-shadow: none; padding: 0; color: #1d70b8; text-decoration: underline; font-weight: 400; }
.scopes { padding: 0; list-style: none; margin: 0 0 16px; border-top: 1px solid #b1b4b6; }
.scopes li { display: flex; justify-content: space-between; gap: 12px; padding: 10px 0; border-bottom: 1px solid #b1b4b6; }
.small { font-size: .9rem; color: #505a5f; }
.actions { display: flex; gap: 12px; }
footer { margin-top: auto; text-align: center; font-size: .8rem; color: #505a5f; padding: 16px; }
`

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
