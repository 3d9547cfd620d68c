// parseNumberLiteral: reads a decimal number as written in a filter string (-1, 2.5, .5, 1e-3, 1e+21),
// with a hand-written scan rather than Number() (which also takes hex, "Infinity" and blanks).

/** The value of `text` when it is a finite decimal number literal, else undefined. */
export function parseNumberLiteral(text: string): number | undefined {
  let index = 0;
  if (text[index] === "-" || text[index] === "+") index++;
  const integerDigits = countDigits(text, index);
  index += integerDigits;
  let fractionDigits = 0;
  if (text[index] === ".") {
    index++;
    fractionDigits = countDigits(text, index);
    index += fractionDigits;
  }
  if (integerDigits + fractionDigits === 0) return undefined;
  if (text[index] === "e" || text[index] === "E") {
    index++;
    if (text[index] === "-" || text[index] === "+") index++;
    const exponentDigits = countDigits(text, index);
    if (exponentDigits === 0) return undefined;
    index += exponentDigits;
  }
  if (index !== text.length) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function countDigits(text: string, from: number): number {
  let index = from;
  while (index < text.length && text.charCodeAt(index) >= 48 && text.charCodeAt(index) <= 57) index++;
  return index - from;
}
