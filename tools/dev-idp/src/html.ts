/** The IdP's few pages: plain HTML forms a browser and a test (plain HTTP) both fill in. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} - Cairn dev IdP</title>
<style>body{font-family:sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}input,button{font-size:1rem;margin:.3rem 0;padding:.4rem;width:100%;box-sizing:border-box}.error{color:#b00020}</style>
</head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** The sign-in form of interaction `uid`; `error` is a fixed message of ours, never user input. */
export function loginPage(uid: string, clientName: string, error?: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  return page(
    'Sign in',
    `<p>to <strong>${escapeHtml(clientName)}</strong> (Cairn development identity provider)</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form id="login" method="post" action="${escapeHtml(action)}" autocomplete="off">
<label>Username <input type="text" name="username" required autofocus></label>
<label>Password <input type="password" name="password" required></label>
<button type="submit">Sign in</button>
</form>`,
  );
}

/** oidc-provider's device pages: `form` is its own form element (hidden fields included). */
export function userCodeInputPage(form: string, error?: string): string {
  return page(
    'Device sign-in',
    `${error ? `<p class="error">${escapeHtml(error)}</p>` : '<p>Enter the code your device shows.</p>'}
${form}
<button type="submit" form="op.deviceInputForm">Continue</button>`,
  );
}

export function userCodeConfirmPage(form: string, clientName: string, userCode: string): string {
  return page(
    'Confirm device',
    `<p><strong>${escapeHtml(clientName)}</strong> asks to sign in. Your device should show this code:</p>
<p><code>${escapeHtml(userCode)}</code></p>
${form}
<button type="submit" form="op.deviceConfirmForm">Confirm</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`,
  );
}

export function successPage(clientName: string): string {
  return page('Signed in', `<p>You are signed in to <strong>${escapeHtml(clientName)}</strong>. You can close this page.</p>`);
}

/** An error page: the error code and its fixed description only. */
export function errorPage(error: string, description?: string): string {
  return page('Sign-in failed', `<p class="error">${escapeHtml(error)}</p>${description ? `<p>${escapeHtml(description)}</p>` : ''}`);
}
