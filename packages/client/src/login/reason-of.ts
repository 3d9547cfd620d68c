// reasonOf: a short, token-free reason for a failed OAuth request, for error messages.

/** The OAuth error code and description when the issuer answered one (e.g. "invalid_grant: ..."), else the message. */
export function reasonOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "error" in error && typeof error.error === "string") {
    const description = "error_description" in error && typeof error.error_description === "string" ? `: ${error.error_description}` : "";
    return `${error.error}${description}`;
  }
  return error instanceof Error ? error.message : String(error);
}
