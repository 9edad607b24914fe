/*
 * payment-element.js: the anywidget front end of helpers.payment_element.PaymentElement.
 *
 * anywidget loads ONE ES module, so the Python side builds it by concatenating
 *   stripe-standin.js   (defines KitStripeStandin: the offline Stripe.js)
 *   checkout.js         (defines mountCheckout: the guide's page code)
 *   payment-element.js  (this file: the glue between Jupyter and the page code)
 *
 * The glue's job:
 *   1. ask the kernel for the configuration (`kit_config`): mode, publishable key and the two
 *      client secrets. Secrets travel in this reply only; they are never synced widget state,
 *      so they are not saved into the notebook file.
 *   2. pick the Stripe.js: the real one from js.stripe.com in Stripe test mode, the stand-in
 *      offline (its API requests go through the kernel: `kit_stripe_request`).
 *   3. run mountCheckout(...) and copy what it reports into the widget's traits
 *      (ready, selected_type, status, payment_intent_id, error, attempts), which Python can read.
 */

const STRIPE_JS_URL = 'https://js.stripe.com/v3/';
const KERNEL_TIMEOUT_MS = 30000;

/** Load https://js.stripe.com/v3/ once per page, as the guide's <script> tag would. */
function loadStripeJs() {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  if (!window.__kitStripeJsPromise) {
    window.__kitStripeJsPromise = new Promise((resolve, reject) => {
      let script = document.querySelector(`script[src="${STRIPE_JS_URL}"]`);
      if (!script) {
        script = document.createElement('script');
        script.src = STRIPE_JS_URL;
        document.head.appendChild(script);
      }
      script.addEventListener('load', () => {
        if (window.Stripe) resolve(window.Stripe);
        else reject(new Error('Stripe.js loaded but did not define window.Stripe.'));
      });
      script.addEventListener('error', () => {
        window.__kitStripeJsPromise = null;
        script.remove();
        reject(new Error(`Could not load Stripe.js from ${STRIPE_JS_URL}. Is this browser online?`));
      });
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

function render({ model, el, experimental }) {
  const container = document.createElement('div');
  container.className = 'kit-payment-element';
  el.appendChild(container);
  let checkout = null;
  let gone = false;

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
    else if (kind === 'change') save({ selected_type: data.type });
    else if (kind === 'loaderror') save({ error: data.error ? errorFields(data.error) : null });
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

  async function start() {
    const config = await askKernel(experimental, 'kit_config', {});
    if (gone) return;
    const Stripe = config.mode === 'stripe'
      ? await loadStripeJs()
      : KitStripeStandin.create(kernelTransport(experimental));
    if (gone) return;
    checkout = await mountCheckout({
      Stripe,
      publishableKey: config.publishableKey,
      clientSecret: config.clientSecret,
      customerSessionClientSecret: config.customerSessionClientSecret || undefined,
      layout: model.get('layout_type'),
      returnUrl: model.get('return_url') || undefined,
      appearance: model.get('appearance') || undefined,
      container,
      report,
    });
    if (gone) checkout.destroy();
  }

  // Change `widget.appearance` or `widget.layout_type` in Python and the form follows, through
  // the same Stripe.js calls a page would use: elements.update() and paymentElement.update().
  const onAppearance = () => {
    if (checkout) checkout.elements.update({ appearance: model.get('appearance') || {} });
  };
  const onLayout = () => {
    if (checkout) checkout.paymentElement.update({ layout: model.get('layout_type') });
  };
  model.on('change:appearance', onAppearance);
  model.on('change:layout_type', onLayout);

  start().catch((err) => {
    const text = err && err.name === 'TimeoutError'
      ? 'The Python kernel did not answer. Is the notebook still running?'
      : String((err && err.message) || err);
    container.replaceChildren();
    const alert = document.createElement('div');
    alert.setAttribute('role', 'alert');
    alert.className = 'kit-payment-element__fatal';
    alert.style.cssText = 'color:#df1b41;font-family:sans-serif;font-size:14px;padding:8px 0';
    alert.textContent = `The payment form could not start: ${text}`;
    container.appendChild(alert);
    save({ error: { type: 'widget_error', code: null, decline_code: null, message: text } });
  });

  return () => {
    gone = true;
    model.off('change:appearance', onAppearance);
    model.off('change:layout_type', onLayout);
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
