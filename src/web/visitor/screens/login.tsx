import { useState } from 'react';
import { ApiFailure, login, myQueue, useApp } from '../state';

export function LoginScreen() {
  const s = useApp();
  const [username, setUsername] = useState(s.session?.user.username ?? '');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const waiting = myQueue(s).length;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await login(username, password, challenge ? { challenge, code } : undefined);
      if (r.totpChallenge) setChallenge(r.totpChallenge);
    } catch (err) {
      setError(
        err instanceof ApiFailure && err.status === 0
          ? '无法连接服务器，请在有信号时登录'
          : (err as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <h1>探访</h1>
      <p className="muted">分散供养特困人员定期探访 · 探访员</p>
      {s.sessionExpired && (
        <p className="notice warn" data-testid="session-expired">
          登录已过期，请重新登录。{waiting > 0 && `手机上的 ${waiting} 条记录仍在，登录后自动上传。`}
        </p>
      )}
      <form onSubmit={submit}>
        {!challenge ? (
          <>
            <label>
              用户名
              <input
                autoComplete="username"
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                required
              />
            </label>
            <label>
              密码
              <input
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
            </label>
          </>
        ) : (
          <label>
            动态验证码
            <input inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} required />
          </label>
        )}
        {error && (
          <p className="error" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary block" disabled={busy}>
          {busy ? '正在登录…' : '登录'}
        </button>
      </form>
      {!s.online && <p className="muted">当前离线：登录需要网络。</p>}
    </div>
  );
}
