/**
 * The wizard's default look, scoped to `gf-*` classes and themed with custom properties
 * (`--gf-accent`, `--gf-radius`...) that an app may set on any ancestor; each has its default
 * at the point of use. `unstyled` leaves it out.
 */
export const WIZARD_CSS = `
.gf-wizard {
  font-family: var(--gf-font, inherit);
  color: var(--gf-text, #101828);
}
.gf-backdrop {
  position: fixed;
  inset: 0;
  z-index: 1000;
  display: grid;
  place-items: center;
  padding: 16px;
  background: rgba(16, 24, 40, 0.48);
  backdrop-filter: blur(3px);
  animation: gf-fade 160ms ease-out;
}
.gf-dialog {
  box-sizing: border-box;
  width: min(480px, 100%);
  max-height: calc(100vh - 32px);
  overflow: auto;
  padding: 28px;
  border-radius: var(--gf-radius, 16px);
  background: var(--gf-surface, #fff);
  color: var(--gf-text, #101828);
  box-shadow: 0 24px 48px -12px rgba(16, 24, 40, 0.28), 0 0 0 1px rgba(16, 24, 40, 0.04);
  animation: gf-rise 200ms cubic-bezier(0.2, 0.8, 0.2, 1);
  outline: none;
  line-height: 1.5;
}
.gf-header { display: flex; align-items: center; gap: 14px; margin-bottom: 16px; }
.gf-badge {
  flex: none;
  display: inline-grid;
  place-items: center;
  min-width: 48px;
  height: 48px;
  padding: 0 8px;
  box-sizing: border-box;
  border-radius: 12px;
  background: #0b0c0c;
  color: #fff;
  font-weight: 700;
  font-size: 14px;
  letter-spacing: 0.04em;
}
.gf-badge-large { font-size: 20px; }
.gf-badge-danger { background: #fdecea; color: var(--gf-danger, #c0362c); font-size: 22px; }
.gf-eyebrow { margin: 0; font-size: 13px; color: var(--gf-muted, #475467); }
.gf-title { margin: 0; font-size: 20px; line-height: 1.3; font-weight: 650; letter-spacing: -0.01em; }
.gf-text { margin: 0 0 12px; font-size: 15px; color: var(--gf-text, #101828); }
.gf-note { margin: 16px 0 0; font-size: 13px; color: var(--gf-muted, #475467); }
.gf-scopes { list-style: none; margin: 0; padding: 12px 14px; border-radius: 12px; background: var(--gf-subtle, #f5f7fb); display: grid; gap: 8px; }
.gf-scopes li { display: flex; align-items: center; gap: 10px; font-size: 15px; font-weight: 500; }
.gf-check {
  flex: none;
  width: 20px;
  height: 20px;
  border-radius: 50%;
  background: var(--gf-success, #12805c);
  position: relative;
}
.gf-check::after {
  content: '';
  position: absolute;
  left: 7px;
  top: 4px;
  width: 5px;
  height: 9px;
  border: solid #fff;
  border-width: 0 2px 2px 0;
  transform: rotate(45deg);
}
.gf-actions { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 24px; }
.gf-actions .gf-button { flex: 1 1 auto; }
.gf-button {
  appearance: none;
  border: 1px solid var(--gf-border, #e4e7ec);
  background: var(--gf-surface, #fff);
  color: var(--gf-text, #101828);
  font: inherit;
  font-size: 15px;
  font-weight: 600;
  padding: 10px 18px;
  border-radius: 10px;
  cursor: pointer;
  transition: background 120ms, border-color 120ms, box-shadow 120ms;
}
.gf-button:hover { background: var(--gf-subtle, #f5f7fb); }
.gf-button:focus-visible { outline: none; box-shadow: 0 0 0 3px rgba(31, 94, 255, 0.35); }
.gf-primary { background: var(--gf-accent, #1f5eff); border-color: var(--gf-accent, #1f5eff); color: var(--gf-accent-text, #fff); }
.gf-primary:hover { background: var(--gf-accent-hover, #1a4fd6); }
.gf-progress { display: flex; align-items: center; gap: 14px; padding: 18px 16px; border-radius: 12px; background: var(--gf-subtle, #f5f7fb); margin-top: 4px; }
.gf-progress .gf-text { margin: 0; }
.gf-spinner {
  flex: none;
  width: 22px;
  height: 22px;
  border-radius: 50%;
  border: 3px solid rgba(31, 94, 255, 0.18);
  border-top-color: var(--gf-accent, #1f5eff);
  animation: gf-spin 800ms linear infinite;
}
.gf-spinner-small { width: 14px; height: 14px; border-width: 2px; }
.gf-inline { display: inline-flex; align-items: center; gap: 8px; font-size: 14px; color: var(--gf-muted, #475467); }
.gf-details { margin-top: 12px; font-size: 13px; color: var(--gf-muted, #475467); }
.gf-details summary { cursor: pointer; }
.gf-details dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 8px 0 0; }
.gf-details dt { font-weight: 600; }
.gf-details dd { margin: 0; word-break: break-word; }
.gf-visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@keyframes gf-spin { to { transform: rotate(360deg); } }
@keyframes gf-fade { from { opacity: 0; } }
@keyframes gf-rise { from { opacity: 0; transform: translateY(8px) scale(0.98); } }
@media (prefers-reduced-motion: reduce) {
  .gf-backdrop, .gf-dialog { animation: none; }
  .gf-spinner { animation-duration: 2s; }
}
`
