import { useState } from 'react';
import { passwordProblem } from '../../../shared/password-policy';
import { changeOwnPassword, myQueue, useApp } from '../state';

/**
 * An administrator reset this visitor's password: the server takes nothing else until it is
 * changed. The visits on the phone wait in the queue (they are not refused) and go out right after.
 */
export function ChangePasswordScreen() {
  const s = useApp();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const waiting = myQueue(s).length;
  const username = s.session?.user.username ?? '';

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const problem = next !== again ? '两次输入的新密码不一致' : passwordProblem(next, username);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await changeOwnPassword(current, next);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login" data-testid="change-password">
      <h1>修改密码</h1>
      <p className="notice warn">
        管理员已重置您的密码，请先设置新密码再继续使用。
        {waiting > 0 && `手机上的 ${waiting} 条记录仍在，改好后自动上传。`}
      </p>
      <form onSubmit={submit}>
        <label>
          当前密码（管理员告知的临时密码）
          <input
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            required
          />
        </label>
        <label>
          新密码
          <input
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            required
          />
        </label>
        <label>
          再次输入新密码
          <input
            type="password"
            autoComplete="new-password"
            value={again}
            onChange={(e) => setAgain(e.target.value)}
            required
          />
        </label>
        {error && (
          <p className="error" data-testid="change-password-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary block" disabled={busy}>
          {busy ? '正在保存…' : '保存新密码'}
        </button>
      </form>
    </div>
  );
}
