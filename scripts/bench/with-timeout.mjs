// withTimeout(): a promise bounded in time, so a setup or cleanup step that hangs fails the bench
// with a message instead of hanging it.

/** `promise`, or a rejection with `message` after `ms` milliseconds (the timer never outlives it). */
export async function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
