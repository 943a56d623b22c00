/**
 * Keeps the layout inside the visual viewport, so the message box stays
 * above an on-screen keyboard: the app's height follows
 * `visualViewport.height` (a CSS custom property set through the CSSOM,
 * which the Content-Security-Policy allows, unlike inline styles).
 */
export function trackViewport(): void {
  const vv = window.visualViewport;
  const root = document.documentElement;
  const update = () => {
    const height = vv ? vv.height : window.innerHeight;
    root.style.setProperty('--app-height', `${Math.round(height)}px`);
    // iOS scrolls the layout viewport under the keyboard; undo it.
    if (vv && vv.offsetTop > 0) window.scrollTo(0, 0);
  };
  update();
  vv?.addEventListener('resize', update);
  vv?.addEventListener('scroll', update);
  window.addEventListener('resize', update);
}
