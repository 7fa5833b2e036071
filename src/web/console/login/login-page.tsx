import { type FormEvent, useId, useState } from 'react';
import type * as auth from '../../../shared/api/auth';
import { LOGIN_LIMITS } from '../../../shared/api/limits';
import { call, HttpError } from '../../lib/api';
import { LOGIN, LOGIN_TOTP } from '../../lib/auth-ops';
import './login.css';

/**
 * The login page, in plain React and CSS (no antd): it is the console's first screen and travels in
 * its first chunk, which a township office line must load in a couple of seconds (main.tsx).
 */
export function LoginPage({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [step, setStep] = useState<auth.TotpStep | null>(null);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [copied, setCopied] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } finally {
      setBusy(false);
    }
  };
  const onPassword = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const problems: Record<string, string> = {};
    if (!username) problems.username = '请输入用户名';
    if (!password) problems.password = '请输入密码';
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    void run(async () => {
      try {
        const res = await call<typeof auth.login>(LOGIN, { body: { username, password } });
        if ('totpRequired' in res) setStep(res);
        else onLoggedIn();
      } catch (err) {
        setError(err instanceof HttpError ? err.message : '网络错误，请检查连接后重试');
      }
    });
  };
  const onCode = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget).get('code') ?? '').trim();
    if (!LOGIN_LIMITS.totpCode.test(code)) {
      setInvalid({ code: '请输入验证器显示的 6 位数字' });
      return;
    }
    setInvalid({});
    void run(async () => {
      try {
        await call<typeof auth.loginTotp>(LOGIN_TOTP, { body: { challenge: step!.challenge, code } });
        onLoggedIn();
      } catch (err) {
        const http = err instanceof HttpError ? err : null;
        setError(http?.message ?? '网络错误，请检查连接后重试');
        if (http?.body.code === 'CHALLENGE_EXPIRED') setStep(null);
      }
    });
  };
  const copySecret = async () => {
    await navigator.clipboard?.writeText(step?.enrol?.secret ?? '').catch(() => undefined);
    setCopied(true);
  };

  return (
    <main className="lg-page">
      <div className="lg-card">
        <h1 className="lg-title">探访</h1>
        <p className="lg-subtitle">分散供养特困人员定期探访系统</p>
        {error && (
          <div className="lg-alert lg-alert-error" role="alert" data-testid="login-error">
            {error}
          </div>
        )}
        {step ? (
          <form onSubmit={onCode} noValidate>
            {step.enrol && (
              <div className="lg-alert lg-alert-info">
                <strong>系统要求您使用动态验证码</strong>
                <div>
                  在手机验证器中选择“输入设置密钥”，填入：
                  <code className="lg-code" data-testid="totp-enrol-secret">
                    {step.enrol.secret}
                  </code>
                  <button type="button" className="lg-link" onClick={copySecret}>
                    {copied ? '已复制' : '复制'}
                  </button>
                  然后输入验证器显示的 6 位数字。
                </div>
              </div>
            )}
            <Field
              name="code"
              label="动态验证码"
              problem={invalid.code}
              input={{
                maxLength: 6,
                inputMode: 'numeric',
                autoComplete: 'one-time-code',
                autoFocus: true,
                'data-testid': 'totp-code',
              }}
            />
            <button type="submit" className="lg-button" disabled={busy}>
              {busy ? '验证中…' : '验证'}
            </button>
            <button type="button" className="lg-link lg-block" onClick={() => setStep(null)}>
              返回
            </button>
          </form>
        ) : (
          <form onSubmit={onPassword} noValidate>
            <Field
              name="username"
              label="用户名"
              problem={invalid.username}
              input={{ autoComplete: 'username', autoFocus: true }}
            />
            <Field
              name="password"
              label="密码"
              problem={invalid.password}
              input={{ type: 'password', autoComplete: 'current-password' }}
            />
            <button type="submit" className="lg-button" disabled={busy}>
              {busy ? '登录中…' : '登录'}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}

function Field({
  name,
  label,
  problem,
  input,
}: {
  name: string;
  label: string;
  problem?: string;
  input: React.InputHTMLAttributes<HTMLInputElement> & { 'data-testid'?: string };
}) {
  const id = useId();
  return (
    <div className="lg-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        className="lg-input"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        {...input}
      />
      {problem && (
        <div id={`${id}-problem`} className="lg-problem">
          {problem}
        </div>
      )}
    </div>
  );
}
