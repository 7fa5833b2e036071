import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { start } from './state';
import './visitor.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void start();

// The hand-written service worker keeps the app shell for offline starts (public/visitor-sw.js).
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/visitor-sw.js', { scope: '/m/' }).catch(() => undefined);
  });
}
