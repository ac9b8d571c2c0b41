// Inside another site's frame: tell the page around us how tall we are,
// so it can size the frame to fit. Messages go only to the origin the
// server checked against EMBED_ORIGINS; with none, nothing is sent.
(() => {
  'use strict';
  const parent = document.documentElement.dataset.parentOrigin;
  if (!parent || window.parent === window) return;
  let last = 0;
  // The first message of each page says it is new, so the page around
  // can bring its top into view (a result replacing a long form).
  let fresh = true;
  const tell = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: 'intake:height', height, fresh }, parent);
    fresh = false;
  };
  const start = () => {
    tell();
    if ('ResizeObserver' in window) new ResizeObserver(tell).observe(document.documentElement);
    window.addEventListener('resize', tell);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
