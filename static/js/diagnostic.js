// Diagnostic: one step at a time.
(() => {
  'use strict';
  const form = document.getElementById('diagnostic-form');
  const steps = form ? [...form.querySelectorAll('.step')] : [];
  const total = steps.length;
  if (!total) return;
  const $ = (sel, root = form) => root.querySelector(sel);
  const make = (tag, props) => Object.assign(document.createElement(tag), props);
  const box = $('[data-progress]');
  const bar = $('progress');
  const now = $('[data-progress-now]');
  const submit = $('.form-actions [type=submit]');
  const label = submit && submit.textContent;
  const summary = document.getElementById('error-summary');
  const calm = matchMedia('(prefers-reduced-motion: reduce)');
  let current = 0;

  // Each step reached is counted once per page view for the dashboard's
  // "Where visitors stop": the step and the diagnostic's version, nothing
  // about the visitor. Only a fresh form carries the version to count.
  const version = form.dataset.stepsVersion;
  const counted = new Set();
  const count = (i) => {
    if (!version || counted.has(i) || !navigator.sendBeacon) return;
    counted.add(i);
    navigator.sendBeacon('/diagnostic/steps', new URLSearchParams({ version, step: String(i + 1) }));
  };

  const show = (i) => {
    current = i;
    count(i);
    steps.forEach((s, n) => s.classList.toggle('is-current', n === i));
    form.classList.toggle('on-last-step', i === total - 1);
    if (bar) bar.value = i + 1;
    if (now) now.textContent = i + 1;
  };

  const reveal = (el, target) => {
    target.focus({ preventScroll: true });
    el.scrollIntoView({ block: 'start', behavior: calm.matches ? 'auto' : 'smooth' });
  };

  const go = (i) => {
    show(i);
    const t = $('.step-title', steps[i]) || steps[i];
    reveal(t, t);
  };

  const setError = (fs, on) => {
    const id = fs.id + '-error';
    let p = document.getElementById(id);
    fs.classList.toggle('has-error', on);
    if (!on) {
      if (p) p.remove();
      return fs.removeAttribute('aria-describedby');
    }
    if (!p) {
      p = make('p', { className: 'field-error', id });
      p.append(make('span', { className: 'visually-hidden', textContent: 'Error: ' }), 'Choose how often this happens.');
      $('.scale', fs).before(p);
    }
    fs.setAttribute('aria-describedby', id);
  };

  const next = () => {
    const missing = [...steps[current].querySelectorAll('fieldset.question')]
      .filter((fs) => !$('input[type=radio]:checked', fs));
    missing.forEach((fs) => setError(fs, true));
    if (!missing.length) return go(current + 1);
    $('input[type=radio]', missing[0]).focus();
  };

  const button = (textContent, className, onClick) => {
    const b = make('button', { type: 'button', className, textContent });
    b.addEventListener('click', onClick);
    return b;
  };

  steps.forEach((step, i) => {
    const nav = make('div', { className: 'step-nav' });
    if (i) nav.append(button('Back', 'button button-secondary', () => go(i - 1)));
    if (i < total - 1) nav.append(button('Next', 'button', next));
    step.append(nav);
  });
  form.classList.add('js-steps');
  if (box) box.hidden = false;

  // Start where the server found the first error; its summary announces it.
  const firstError = $('.step .has-error');
  show(firstError ? steps.indexOf(firstError.closest('.step')) : 0);
  if (firstError && !summary) go(current);

  form.addEventListener('change', (e) => {
    const fs = e.target.closest('fieldset.question.has-error');
    if (fs && e.target.type === 'radio') setError(fs, false);
  });

  if (summary) summary.addEventListener('click', (e) => {
    const link = e.target.closest('a[href^="#"]');
    const target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    const step = target && target.closest('.step');
    if (!step) return;
    e.preventDefault();
    show(steps.indexOf(step));
    const control = target.matches('input') ? target : $('input', target) || target;
    reveal(target.closest('.field, .checkbox') || target, control);
  });

  form.addEventListener('submit', (e) => {
    // Enter before the last step means Next; never submit twice.
    const early = current < total - 1;
    if (early || (submit && submit.disabled)) {
      e.preventDefault();
      if (early) next();
    } else if (submit) {
      Object.assign(submit, { disabled: true, textContent: 'Saving…' });
    }
  });

  addEventListener('pageshow', (e) => {
    if (e.persisted && submit) Object.assign(submit, { disabled: false, textContent: label });
  });
})();
