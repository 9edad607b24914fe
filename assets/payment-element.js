/*
 * payment-element.js: the anywidget front end of helpers.payment_element.PaymentElement.
 *
 * anywidget loads ONE ES module, so the Python side builds it by concatenating
 *   stripe-standin.js   (defines KitStripeStandin: the offline Stripe.js)
 *   checkout.js         (defines mountCheckout: the guide's page code)
 *   payment-element.js  (this file: the glue between Jupyter and the page code)
 * That module is not in the widget's state: payment-element-loader.js (the widget's `_esm`,
 * a few kB) fetches it once per browser, from the server or the kernel, and calls render().
 *
 * The glue's job:
 *   1. ask the kernel for the configuration (`kit_config`): mode, publishable key and the two
 *      client secrets. Secrets travel in this reply only; they are never synced widget state,
 *      so they are not saved into the notebook file.
 *   2. pick the Stripe.js: the real one from js.stripe.com in Stripe test mode, the stand-in
 *      offline (its API requests go through the kernel: `kit_stripe_request`).
 *   3. run mountCheckout(...) and copy what it reports into the widget's traits
 *      (ready, selected_type, status, payment_intent_id, error, attempts), which Python can read.
 *   4. offline, keep redirects inside the widget: the stand-in draws the test bank page in
 *      place, then "navigates" to return_url, and the glue draws the return page (status.js,
 *      `showStatusPage`) in the widget. Online, redirect methods are refused (Pay stays off
 *      with a note), so the notebook page never navigates away.
 *   5. if it cannot start (the kernel does not answer, Stripe.js does not load), say why and
 *      offer Retry, never a blank space.
 */

const STRIPE_JS_URL = 'https://js.stripe.com/v3/';
const KERNEL_TIMEOUT_MS = 30000;
const STRIPE_JS_TIMEOUT_MS = 20000;
// Types the notebook can pay with in place. Online, anything else may redirect to a bank or a
// wallet, which would navigate the notebook away: the widget refuses those (see below).
const IN_PLACE_TYPES = ['card', 'link', 'us_bank_account', 'sepa_debit', 'acss_debit', 'bacs_debit', 'au_becs_debit'];

class StripeJsLoadError extends Error {}

// The widget's own words, in the page's language (checkout.js: pageLocale, PAGE_TEXT).
const WIDGET_TEXT = {
  en: {
    redirectNote: 'This payment method redirects to another site, which would take this ' +
      'notebook away. Try it on a web page (the served checkout page) instead; here, pay by card.',
    serverProblem: 'The server could not handle a request: ',
    unknownError: 'unknown error',
    kernelSilent: 'The Python kernel did not answer. Is the notebook still running?',
    couldNotStart: 'The payment form could not start: ',
    retry: 'Retry',
  },
  fr: {
    redirectNote: 'Ce moyen de paiement redirige vers un autre site, ce qui ferait quitter ce ' +
      'notebook. Essayez-le sur une page web (la page de paiement servie) ; ici, payez par carte.',
    serverProblem: "Le serveur n'a pas pu traiter une demande : ",
    unknownError: 'erreur inconnue',
    kernelSilent: "Le noyau Python n'a pas répondu. Le notebook est-il toujours en cours d'exécution ?",
    couldNotStart: "Le formulaire de paiement n'a pas pu démarrer : ",
    retry: 'Réessayer',
  },
};

function widgetText(locale) {
  return WIDGET_TEXT[pageLocale(locale).slice(0, 2).toLowerCase()] || WIDGET_TEXT.en;
}

/** Load https://js.stripe.com/v3/ once per page, as the guide's <script> tag would. */
function loadStripeJs() {
  if (window.Stripe && !window.Stripe.standin) return Promise.resolve(window.Stripe);
  if (!window.__kitStripeJsPromise) {
    window.__kitStripeJsPromise = new Promise((resolve, reject) => {
      let script = document.querySelector(`script[src="${STRIPE_JS_URL}"]`);
      if (!script) {
        script = document.createElement('script');
        script.src = STRIPE_JS_URL;
        document.head.appendChild(script);
      }
      const fail = (why) => {
        window.__kitStripeJsPromise = null;
        script.remove();
        reject(new StripeJsLoadError(
          `Stripe.js could not be loaded from ${STRIPE_JS_URL} (${why}). In Stripe test mode the ` +
          'Payment Element comes from js.stripe.com: check that this browser is online and that no ' +
          'proxy, firewall or content blocker stops that script. To work offline, remove the test ' +
          'keys and restart the kernel: the kit then uses its emulator and the offline stand-in.'));
      };
      const timer = setTimeout(() => fail(`no answer within ${STRIPE_JS_TIMEOUT_MS / 1000} s`), STRIPE_JS_TIMEOUT_MS);
      script.addEventListener('load', () => {
        clearTimeout(timer);
        if (window.Stripe) resolve(window.Stripe);
        else fail('the script loaded but did not define window.Stripe');
      });
      script.addEventListener('error', () => { clearTimeout(timer); fail('the request failed or was blocked'); });
    });
  }
  return window.__kitStripeJsPromise;
}

/** Ask the kernel (Python) to run one of the widget's commands. */
async function askKernel(experimental, name, message) {
  const [response] = await experimental.invoke(name, message, {
    signal: AbortSignal.timeout(KERNEL_TIMEOUT_MS),
  });
  return response;
}

/** The stand-in's transport: the kernel forwards each request to the in-process emulator. */
function kernelTransport(experimental) {
  return (method, path, params) => askKernel(experimental, 'kit_stripe_request', { method, path, params });
}

function render({ model, el, experimental, showProblem }) {
  const container = document.createElement('div');
  container.className = 'kit-payment-element';
  container.setAttribute('role', 'region');
  container.setAttribute('aria-label', model.get('title') || 'Payment Element');
  el.appendChild(container);
  let checkout = null;
  let config = null;
  let Stripe = null;
  let gone = false;
  const text = () => widgetText(model.get('locale'));

  function save(values) {
    if (gone) return;
    for (const [name, value] of Object.entries(values)) model.set(name, value);
    model.save_changes();
  }

  function report(kind, data) {
    if (kind === 'ready') {
      container.dataset.ready = 'true';
      save({ ready: true });
    }
    else if (kind === 'change') {
      container.dataset.selectedType = data.type || '';
      save({ selected_type: data.type });
      if (config && config.mode === 'stripe') guardRedirects(data.type);
    }
    else if (kind === 'loaderror') save({ error: data.error ? errorFields(data.error) : null });
    else if (kind === 'remove') save({ removed: (model.get('removed') || 0) + (data.success ? 1 : 0) });
    else if (kind === 'outcome') {
      // Also on the DOM, for people (and browser tests) inspecting the page.
      container.dataset.paymentIntent = data.payment_intent_id || '';
      container.dataset.status = data.status || '';
      save({
        payment_intent_id: data.payment_intent_id,
        status: data.status,
        error: data.error,
        attempts: (model.get('attempts') || 0) + 1,
      });
    }
  }

  /** Online only: a redirect method (iDEAL, PayPal, Klarna...) would take the whole notebook to
   *  the bank's site. Keep the notebook safe: say so, and keep Pay disabled for those types. */
  function guardRedirects(type) {
    const pay = container.querySelector('#submit');
    let note = container.querySelector('.kit-payment-element__redirect-note');
    const redirecting = type && !IN_PLACE_TYPES.includes(type);
    if (redirecting && !note) {
      note = document.createElement('p');
      note.className = 'kit-payment-element__redirect-note';
      note.setAttribute('role', 'note');
      note.style.cssText = 'font-family:sans-serif;font-size:14px;color:#6d6e78;margin:8px 0';
      note.textContent = text().redirectNote;
      container.querySelector('#payment-element').after(note);
    }
    if (note) note.hidden = !redirecting;
    if (pay && redirecting) pay.disabled = true;
    else if (pay && !container.dataset.status) pay.disabled = false;
  }

  /** The stand-in "navigates" to the return_url: draw the return page (status.js) here. */
  async function showReturnPage(url) {
    if (checkout) { checkout.paymentElement.destroy(); checkout = null; }
    container.dataset.page = 'return';
    await showStatusPage({
      Stripe,
      publishableKey: config.publishableKey,
      url,
      container,
      report,
      onRetry: () => { mount().catch(showFatal); },
      locale: model.get('locale') || 'auto',
    });
  }

  async function mount() {
    container.dataset.page = 'checkout';
    delete container.dataset.status;
    checkout = await mountCheckout({
      Stripe,
      publishableKey: config.publishableKey,
      clientSecret: config.clientSecret,
      customerSessionClientSecret: config.customerSessionClientSecret || undefined,
      layout: model.get('layout_type'),
      returnUrl: model.get('return_url') || undefined,
      appearance: model.get('appearance') || undefined,
      locale: model.get('locale') || 'auto',
      container,
      report,
    });
    if (gone) checkout.destroy();
  }

  async function start() {
    config = await askKernel(experimental, 'kit_config', {});
    if (gone) return;
    // A served workshop answers a request it refused with `{error}` rather than a traceback.
    if (!config || config.error) {
      const problem = config && config.error;
      throw new Error((problem && problem.message) || String(problem || 'the kernel sent no configuration'));
    }
    Stripe = config.mode === 'stripe'
      ? await loadStripeJs()
      : KitStripeStandin.create(kernelTransport(experimental), {
        inlineRedirects: true,
        navigate: (url) => { showReturnPage(url).catch(showFatal); },
      });
    if (gone) return;
    await mount();
  }

  // Change `widget.appearance`, `widget.layout_type` or `widget.locale` in Python and the form
  // follows, through the same Stripe.js calls a page would use: elements.update() and
  // paymentElement.update().
  const onAppearance = () => {
    if (checkout) checkout.elements.update({ appearance: model.get('appearance') || {} });
  };
  const onLayout = () => {
    if (checkout) checkout.paymentElement.update({ layout: model.get('layout_type') });
  };
  const onLocale = () => {
    if (checkout) checkout.setLocale(model.get('locale') || 'auto');
  };
  model.on('change:appearance', onAppearance);
  model.on('change:layout_type', onLayout);
  model.on('change:locale', onLocale);

  // The server's short answer to a message it could not handle (helpers/workshop/boundary.py):
  // shown in the widget, above the form, instead of a traceback anywhere.
  const onServerMessage = (msg) => {
    if (!msg || msg.kind !== 'kit-error') return;
    let notice = container.querySelector('.kit-payment-element__notice');
    if (!notice) {
      notice = document.createElement('div');
      notice.setAttribute('role', 'alert');
      notice.className = 'kit-payment-element__notice';
      container.prepend(notice);
    }
    notice.textContent = text().serverProblem + String(msg.message || text().unknownError);
  };
  model.on('msg:custom', onServerMessage);

  function showFatal(err) {
    const why = err && err.name === 'TimeoutError'
      ? text().kernelSilent
      : String((err && err.message) || err);
    if (checkout) { checkout.destroy(); checkout = null; }
    container.replaceChildren();
    const message = err instanceof StripeJsLoadError ? why : text().couldNotStart + why;
    const retry = () => { container.replaceChildren(); start().catch(showFatal); };
    if (showProblem) {
      showProblem(container, message, retry, text().retry).classList.add('kit-payment-element__fatal');
    } else {
      const alert = document.createElement('div');
      alert.setAttribute('role', 'alert');
      alert.className = 'kit-payment-element__fatal';
      alert.textContent = message;
      container.appendChild(alert);
    }
    save({ error: { type: err instanceof StripeJsLoadError ? 'stripe_js_load_error' : 'widget_error',
      code: null, decline_code: null, message: why } });
  }

  start().catch(showFatal);

  return () => {
    gone = true;
    model.off('change:appearance', onAppearance);
    model.off('change:layout_type', onLayout);
    model.off('change:locale', onLocale);
    model.off('msg:custom', onServerMessage);
    if (checkout) checkout.destroy();
  };
}

function errorFields(error) {
  return {
    type: error.type || null,
    code: error.code || null,
    decline_code: error.decline_code || null,
    message: error.message || null,
  };
}

export default { render };
