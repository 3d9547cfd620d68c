// approveDevice: plays the user who opens verification_uri_complete in a browser, logs in and consents, without a
// browser: fetch plus a cookie jar walk the real /device page (auto-submitted form with its xsrf token), the
// confirmation POST, and the interaction redirects served by autoInteraction (which logs in the user named by the
// test-user cookie and grants everything requested).
import { CookieJar } from "./cookie-jar.js";

/** The cookie that tells autoInteraction which user is at the (simulated) browser. */
export const testUserCookie = "test_idp_user";

/** The body of the page the device flow ends on once the user approved (see successSource). */
export const deviceApprovedBody = "device approved";

/** A page reached after following redirects. */
interface Page {
  status: number;
  url: string;
  text: string;
}

/** Approves the device authorization at `verificationUriComplete` as `user`; throws unless the flow ends approved. */
export async function approveDevice(verificationUriComplete: string, user: string): Promise<void> {
  const jar = new CookieJar({ [testUserCookie]: encodeURIComponent(user) });
  // 1) GET verification_uri_complete: an auto-submitting form with the xsrf token and the user code.
  const form = await browse(jar, verificationUriComplete);
  const action = htmlAttribute(form.text, /<form method="post" action="([^"]*)"/);
  const xsrf = htmlAttribute(form.text, /name="xsrf" value="([^"]*)"/);
  const userCode = htmlAttribute(form.text, /name="user_code" value="([^"]*)"/);
  if (form.status !== 200 || action === undefined || xsrf === undefined || userCode === undefined) {
    throw new Error(`approveDevice: no device form at ${form.url} (${form.status}): ${form.text.slice(0, 200)}`);
  }
  // 2) Submit it with confirm=yes (skipping the confirmation page), then follow login and consent interactions.
  const done = await browse(jar, new URL(action, form.url).href, { xsrf, user_code: userCode, confirm: "yes" });
  if (done.status !== 200 || done.text !== deviceApprovedBody) {
    throw new Error(`approveDevice: ${user} could not approve (${done.status} at ${done.url}): ${done.text.slice(0, 300)}`);
  }
}

/** The first group `pattern` matches in `html`, with oidc-provider's HTML escaping undone. */
function htmlAttribute(html: string, pattern: RegExp): string | undefined {
  return pattern
    .exec(html)?.[1]
    ?.replace(/&(amp|lt|gt|quot|#39);/g, (_, entity: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[entity] ?? "");
}

/** GETs `url` (or POSTs `form` to it) and follows redirects like a browser would, keeping cookies in `jar`. */
async function browse(jar: CookieJar, url: string, form?: Record<string, string>): Promise<Page> {
  let method = form ? "POST" : "GET";
  let body: URLSearchParams | undefined = form ? new URLSearchParams(form) : undefined;
  for (let hops = 0; hops < 15; hops++) {
    const response = await fetch(url, { method, body, redirect: "manual", headers: { cookie: jar.header() } });
    jar.store(response.headers.getSetCookie());
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      url = new URL(location, url).href;
      method = "GET";
      body = undefined;
      continue;
    }
    return { status: response.status, url, text: await response.text() };
  }
  throw new Error(`approveDevice: too many redirects from ${url}`);
}
