// Intake's diagnostic on another site. Put beside each other on a page:
//   <script src="BASE_URL/static/embed.js" async></script>
//   <div data-intake-diagnostic></div>
// This inserts the diagnostic in a frame, passes this page's address and
// campaign (utm_*) parameters as the lead's source, and sizes the frame
// to its content from the messages it sends (from Intake's origin only).
(function () {
  'use strict';
  var script = document.currentScript ||
    document.querySelector('script[src$="/static/embed.js"]');
  if (!script || !window.URL || !window.postMessage) return;
  var origin = new URL(script.src, window.location.href).origin;
  var campaign = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];

  function frameAddress() {
    var page = new URL(window.location.href);
    var src = new URL('/embed/diagnostic', origin);
    src.searchParams.set('parent', window.location.origin);
    // The page without its query or fragment, which may carry personal data.
    src.searchParams.set('ref', page.origin + page.pathname);
    campaign.forEach(function (name) {
      var v = page.searchParams.get(name);
      if (v) src.searchParams.set(name, v);
    });
    return src.href;
  }

  function mount(box) {
    if (box.querySelector('iframe.intake-diagnostic')) return;
    var frame = document.createElement('iframe');
    frame.className = 'intake-diagnostic';
    frame.src = frameAddress();
    frame.title = box.getAttribute('data-title') || 'Leadership diagnostic';
    // It may scroll until its first message sizes it (or if none comes).
    frame.style.cssText = 'display:block;width:100%;height:30rem;border:0;';
    box.appendChild(frame);
    var pages = 0;
    window.addEventListener('message', function (e) {
      if (e.origin !== origin || e.source !== frame.contentWindow) return;
      var d = e.data;
      if (!d || d.type !== 'intake:height' || typeof d.height !== 'number' || !isFinite(d.height)) return;
      frame.style.height = Math.max(200, Math.min(Math.round(d.height), 20000)) + 'px';
      // A new page in the frame after the first (the result, or the form
      // back with a message): show its top if it is above the screen.
      if (d.fresh === true && pages++ > 0 && frame.getBoundingClientRect().top < 0) {
        frame.scrollIntoView({ block: 'start' });
      }
    });
  }

  function start() {
    var boxes = document.querySelectorAll('[data-intake-diagnostic]');
    for (var i = 0; i < boxes.length; i++) mount(boxes[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
