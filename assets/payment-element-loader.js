/*
 * payment-element-loader.js: the small module every PaymentElement widget carries in its state.
 *
 * The widget's code (the Stripe.js stand-in, the guide's checkout.js and the Jupyter glue,
 * about 100 kB) is NOT in the widget's state: this loader fetches it once per browser and the
 * browser keeps it.
 *   1. From the server, when it serves `kit/static/payment-element.js` (the workshop does;
 *      JupyterLab with the `helpers.widget_static` server extension): a plain HTTP GET with a
 *      versioned URL, cached by the browser for a year.
 *   2. Otherwise from the kernel (`kit_module`), kept in localStorage under its version, so a
 *      browser asks for it once, not once per widget or per page.
 * One load per page is shared by every widget on it. While it loads the widget says so; if it
 * cannot start, it says why and offers Retry instead of staying blank.
 *
 * Why so small: anywidget 0.11 gives a widget's module 2 s from the model's creation to load and
 * start, and on a slow laptop a 100 kB module can miss that ("[anywidget] Failed to initialize
 * model."). This file is the part that must make it in time.
 */

const VERSION = '__KIT_MODULE_VERSION__';
const STORE_KEY = 'kit-payment-element-module';
const KERNEL_TIMEOUT_MS = 60000;
const SERVER_TIMEOUT_MS = 20000;

/** The Jupyter server's base URL, as the page itself was given it (JupyterLab and Voilà). */
function serverBase() {
  try {
    const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
    if (config.baseUrl) return new URL(config.baseUrl, window.location.href).href;
  } catch (e) { /* no config on this page: the site root */ }
  return new URL('/', window.location.href).href;
}

/** The server's copy; a request that hangs is given up after SERVER_TIMEOUT_MS. */
async function fromServer(path) {
  let timer;
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('the server did not send the code in time')),
      SERVER_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      import(/* webpackIgnore: true */ new URL(path, serverBase()).href), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function importSource(source) {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  try {
    return await import(/* webpackIgnore: true */ url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The kernel's copy, kept in localStorage. A kept copy that does not start is dropped (the
 *  widget says so; Retry then asks the kernel afresh). */
async function fromKernel(experimental) {
  let kept = null;
  try {
    kept = JSON.parse(window.localStorage.getItem(STORE_KEY) || 'null');
  } catch (e) { /* storage disabled or unreadable: ask the kernel */ }
  if (kept && kept.version === VERSION && typeof kept.source === 'string') {
    try {
      return await importSource(kept.source);
    } catch (err) {
      try { window.localStorage.removeItem(STORE_KEY); } catch (e) { /* nothing kept */ }
      throw err;
    }
  }
  const [reply] = await experimental.invoke('kit_module', { version: VERSION }, {
    signal: AbortSignal.timeout(KERNEL_TIMEOUT_MS),
  });
  try {
    window.localStorage.setItem(STORE_KEY, JSON.stringify({ version: VERSION, source: reply.source }));
  } catch (e) { /* not kept: the next page asks again */ }
  return importSource(reply.source);
}

/** The widget's code, loaded once per page and shared by every widget on it. */
function loadModule(model, experimental) {
  const loads = (window.__kitPaymentElementModules = window.__kitPaymentElementModules || {});
  if (!loads[VERSION]) {
    const path = model.get('module_path');
    loads[VERSION] = (path
      ? fromServer(path).catch(() => fromKernel(experimental))
      : fromKernel(experimental)
    ).catch((err) => { delete loads[VERSION]; throw err; });
  }
  return loads[VERSION];
}

/**
 * anywidget 0.11 holds every message for a model until the model's module has started, and if
 * that took more than 2 s it drops them all, for good: the kernel's answers would never arrive.
 * The module has started by the time render() runs, so hand messages to ipywidgets' own handler
 * directly (what anywidget does once it is ready). Skipped if this ipywidgets has no such hook.
 */
function deliverMessages(model) {
  if (model.__kitDelivers || !model.comm || typeof model.comm.on_msg !== 'function') return;
  const base = Object.getPrototypeOf(Object.getPrototypeOf(model));
  if (!base || typeof base._handle_comm_msg !== 'function') return;
  model.__kitDelivers = true;
  model.comm.on_msg((msg) => base._handle_comm_msg.call(model, msg));
}

/** The loader's words: French for a French locale (the widget's `locale`, 'auto': the browser's). */
function loaderText(model) {
  const locale = model.get('locale');
  const language = !locale || locale === 'auto' ? navigator.language || 'en' : String(locale);
  return /^fr\b/i.test(language)
    ? { loading: 'Chargement du formulaire de paiement…', retry: 'Réessayer',
      failed: "Le formulaire de paiement n'a pas pu se charger", silent: "le noyau Python n'a pas répondu à temps" }
    : { loading: 'Loading the payment form…', retry: 'Retry',
      failed: 'The payment form could not load', silent: 'the Python kernel did not answer in time' };
}

/** A visible message with a Retry button (also what the main module uses when it cannot start). */
function showProblem(el, text, retry, retryLabel = 'Retry') {
  const box = document.createElement('div');
  box.className = 'kit-payment-element__problem';
  box.setAttribute('role', 'alert');
  box.style.cssText = 'color:#df1b41;font-family:sans-serif;font-size:14px;padding:12px;' +
    'border:1px solid #df1b41;border-radius:5px;max-width:480px';
  const message = document.createElement('p');
  message.style.margin = '0 0 8px';
  message.textContent = text;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = retryLabel;
  button.addEventListener('click', () => { box.remove(); retry(); });
  box.append(message, button);
  el.appendChild(box);
  return box;
}

function render({ model, el, experimental }) {
  deliverMessages(model);
  let gone = false;
  let cleanup = null;
  const words = loaderText(model);
  const waiting = document.createElement('p');
  waiting.className = 'kit-payment-element__loading';
  waiting.style.cssText = 'font-family:sans-serif;font-size:14px;color:#6d6e78';
  waiting.textContent = words.loading;

  async function start() {
    el.appendChild(waiting);
    const mod = await loadModule(model, experimental);
    waiting.remove();
    if (gone) return;
    cleanup = mod.default.render({ model, el, experimental, showProblem });
  }

  function failed(err) {
    waiting.remove();
    if (gone) return;
    const why = err && err.name === 'TimeoutError'
      ? words.silent
      : String((err && err.message) || err);
    showProblem(el, `${words.failed} (${why}).`, () => start().catch(failed), words.retry);
  }

  start().catch(failed);
  return () => {
    gone = true;
    if (typeof cleanup === 'function') cleanup();
  };
}

export default { render };
