// What a namespace name may be, in prism.yaml and in the prism-namespace header alike.

/** 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit. */
export const namespaceNamePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The rule in words, for error messages. */
export const namespaceNameRule = "1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit";
