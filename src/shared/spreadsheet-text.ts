/**
 * Text that a spreadsheet reads as a formula once it is saved as CSV and opened again ("CSV
 * injection", OWASP): a cell beginning with = + - @, a tab or a carriage return. Inside an .xlsx
 * such text is an inline string and harmless; a clerk's "另存为 CSV" turns `=HYPERLINK(…)` or
 * `+1+2|cmd` into a live formula. One rule for both directions: exports neutralise it, imports flag
 * it instead of taking it as a name.
 */
export const FORMULA_START = /^[=+\-@\t\r]/;

export const looksLikeFormula = (s: string): boolean => FORMULA_START.test(s);

/**
 * Text as it goes into an exported cell: a leading apostrophe before a formula start (what Excel
 * itself shows for text typed with a leading ', and what survives a CSV round trip as text).
 */
export const neutraliseFormula = (s: string): string => (FORMULA_START.test(s) ? `'${s}` : s);

/** The message of an import that met such text (shared by the roster and payment imports). */
export const FORMULA_TEXT_MESSAGE = '以 = + - @ 或制表符开头，可能是公式，请删除开头的符号后重新导入';
