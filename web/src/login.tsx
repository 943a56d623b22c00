/** The login form: a guest name, or a registered name with its password. */
import { useState } from 'preact/hooks';
import type { Chat } from './chat.ts';

export function Login({ chat }: { chat: Chat }) {
  const [name, setName] = useState(chat.savedName || chat.me);
  const [password, setPassword] = useState('');
  const busy = chat.status === 'connecting';
  return (
    <main class="login">
      <form
        class="login-form"
        aria-label="Log in"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() !== '') chat.login(name.trim(), password);
        }}
      >
        <h1>natter</h1>
        <label for="login-name">Name</label>
        <input
          id="login-name"
          name="name"
          autoComplete="username"
          autoCapitalize="off"
          spellcheck={false}
          maxLength={32}
          required
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          aria-describedby="password-hint"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <p id="password-hint" class="hint">
          {chat.needPassword
            ? 'This name is registered: its password is needed.'
            : 'Only for a registered name; guests leave it empty.'}
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Connecting…' : 'Log in'}
        </button>
        {chat.loginError && (
          <p class="login-error" role="alert">
            {chat.loginError}
          </p>
        )}
      </form>
    </main>
  );
}
