/**
 * Password rule shared by the server check and the web form: at least 8 characters, three of four
 * classes (upper, lower, digit, symbol), and not containing the username.
 * Returns a Chinese message, or null when the password is acceptable.
 */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < 8) return '密码至少 8 位';
  if (password.length > 128) return '密码不能超过 128 位';
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) return '密码需包含大写字母、小写字母、数字、符号中的至少三类';
  if (username && password.toLowerCase().includes(username.toLowerCase())) return '密码不能包含用户名';
  return null;
}
