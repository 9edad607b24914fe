/*
 * checkout.js: the page code from Stripe's "Payments for existing customers" guide
 * (its checkout.html + checkout.js + status.js), as one function you can read top to bottom.
 *
 * The kit's PaymentElement widget runs exactly this code in your notebook. Online it gets
 * `Stripe` from https://js.stripe.com/v3/; offline from the kit's stand-in. The code below
 * cannot tell the difference, so what you read here is what you would ship.
 *
 * mountCheckout({
 *   Stripe,                        // the Stripe.js function (window.Stripe, or the stand-in)
 *   publishableKey,                // pk_test_...: safe to give to the browser
 *   clientSecret,                  // the PaymentIntent's client secret (pi_..._secret_...)
 *   customerSessionClientSecret,   // the CustomerSession's client secret (cuss_secret_...)
 *   layout,                        // 'accordion' (the guide's choice) or 'tabs'
 *   returnUrl,                     // where Stripe sends the customer after a redirect
 *   appearance,                    // optional Appearance API object: {theme, variables}
 *   locale,                        // optional: 'auto' (the browser's language), 'en', 'fr', ...)
 *   container,                     // the DOM node to draw the form in
 *   report,                        // report(kind, data): tells the host page what happened
 * })
 *
 * Several checkouts can share a page, so every lookup below searches `container`, not
 * `document`. The element ids are the guide's own.
 */

const CHECKOUT_CSS = `
.kit-checkout { max-width: 480px; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; }
.kit-checkout #payment-element { margin-bottom: 24px; }
.kit-checkout #submit {
  width: 100%; padding: 12px 16px; border: 0; border-radius: 4px; cursor: pointer;
  background: #0055de; color: #fff; font-family: inherit; font-size: 16px; font-weight: 600; line-height: 1.2;
  box-shadow: 0 4px 5.5px 0 rgba(0, 0, 0, .07); transition: filter .2s;
}
.kit-checkout #submit:hover:not(:disabled) { filter: contrast(115%); }
.kit-checkout #submit:focus-visible { outline: 3px solid rgba(5, 112, 222, .4); outline-offset: 2px; }
.kit-checkout #submit:disabled { opacity: .5; cursor: default; }
.kit-checkout #error-message { color: #df1b41; font-size: 15px; margin-top: 12px; }
.kit-checkout #message { font-size: 16px; margin-top: 12px; }
.kit-checkout #error-message:empty, .kit-checkout #message:empty { display: none; }
`;

/**
 * The page's own words (the Payment Element translates its own): English, as in the guide,
 * and French. `locale` is what you give stripe.elements(): 'auto' is the browser's language.
 */
const PAGE_TEXT = {
  en: {
    pay: (amount) => `Pay ${amount}`,
    payWithoutAmount: 'Pay',
    processing: 'Processing…',
    paid: 'Paid',
    succeeded: 'Success! Payment received.',
    processingStatus: "Payment processing. We'll update you when payment is received.",
    failed: 'Payment failed. Please try another payment method.',
    unknown: 'Something went wrong.',
    unexpected: 'An unexpected error occurred.',
    tryAnother: 'Try another payment method',
  },
  fr: {
    pay: (amount) => `Payer ${amount}`,
    payWithoutAmount: 'Payer',
    processing: 'Traitement en cours…',
    paid: 'Payé',
    succeeded: 'Paiement réussi : nous avons bien reçu votre paiement.',
    processingStatus: 'Paiement en cours de traitement. Nous vous préviendrons dès sa réception.',
    failed: 'Le paiement a échoué. Veuillez essayer un autre moyen de paiement.',
    unknown: "Une erreur s'est produite.",
    unexpected: "Une erreur inattendue s'est produite.",
    tryAnother: 'Essayer un autre moyen de paiement',
  },
};

/** The locale to write in: 'auto' becomes the browser's language ('fr-FR', 'en-US', ...). */
function pageLocale(locale) {
  const wanted = !locale || locale === 'auto' ? (navigator.language || 'en-US') : String(locale);
  try {
    return Intl.getCanonicalLocales(wanted)[0];
  } catch (e) { // not a language tag: write in English
    return 'en-US';
  }
}

/** The words for `locale`: French for any French locale, English otherwise. */
function pageText(locale) {
  return PAGE_TEXT[pageLocale(locale).slice(0, 2).toLowerCase()] || PAGE_TEXT.en;
}

/**
 * "$10.99" in English, "10,99 $US" in French: the browser formats the amount for the locale.
 * `amount` is in the currency's smallest unit (cents for usd).
 */
function formatAmount(amount, currency, locale = 'en-US') {
  const code = String(currency || 'usd').toUpperCase();
  const format = new Intl.NumberFormat(pageLocale(locale), { style: 'currency', currency: code });
  return format.format(amount / 10 ** format.resolvedOptions().maximumFractionDigits);
}

/** status.js: the message for each PaymentIntent status. */
function statusMessage(status, locale = 'en-US') {
  const text = pageText(locale);
  switch (status) {
    case 'succeeded':
      return text.succeeded;
    case 'processing':
      return text.processingStatus;
    case 'requires_payment_method':
      // Redirect your user back to your payment page to attempt collecting payment again.
      return text.failed;
    default:
      return text.unknown;
  }
}

async function mountCheckout({
  Stripe,
  publishableKey,
  clientSecret,
  customerSessionClientSecret,
  layout = 'accordion',
  returnUrl,
  appearance,
  locale = 'auto',
  container,
  report = () => {},
}) {
  // checkout.html: a form with a place for the Payment Element, a button and a message area.
  if (!document.getElementById('kit-checkout-style')) {
    const style = document.createElement('style');
    style.id = 'kit-checkout-style';
    style.textContent = CHECKOUT_CSS;
    document.head.appendChild(style);
  }
  container.classList.add('kit-checkout');
  container.lang = pageLocale(locale);
  container.innerHTML = `
    <form id="payment-form">
      <div id="payment-element"><!-- Elements will create form elements here --></div>
      <button id="submit" type="submit" disabled></button>
      <div id="error-message" role="alert"><!-- Display error message to your customers here --></div>
      <div id="message" role="status"></div>
    </form>`;
  const form = container.querySelector('#payment-form');
  const submitButton = container.querySelector('#submit');
  const errorMessage = container.querySelector('#error-message');
  const message = container.querySelector('#message');

  // Set your publishable key (never the secret key: this code runs in the customer's browser).
  const stripe = Stripe(publishableKey);

  // The Pay button shows the amount, read from the PaymentIntent with the publishable key.
  const { paymentIntent: intent, error: retrieveError } = await stripe.retrievePaymentIntent(clientSecret);
  // The button says 'pay', 'processing' or 'paid', in the page's language (which can change).
  let button = 'pay';
  const showButton = (state) => {
    const text = pageText(locale);
    button = state;
    submitButton.textContent = state === 'processing' ? text.processing
      : state === 'paid' ? text.paid
      : intent ? text.pay(formatAmount(intent.amount, intent.currency, locale)) : text.payWithoutAmount;
  };
  showButton('pay');
  if (retrieveError) errorMessage.textContent = retrieveError.message;

  // Initialize Elements with both client secrets: the CustomerSession's one is what makes the
  // Payment Element show the customer's saved payment methods.
  const elements = stripe.elements({
    clientSecret,
    customerSessionClientSecret,
    appearance,
    locale,
  });

  // Create and mount the Payment Element.
  const paymentElement = elements.create('payment', { layout });
  paymentElement.on('ready', () => {
    if (intent && intent.status !== 'succeeded') submitButton.disabled = false;
    report('ready', {});
  });
  paymentElement.on('change', (event) => {
    report('change', {
      type: event.value ? event.value.type : null,
      complete: event.complete,
      empty: event.empty,
      payment_method: event.value && event.value.payment_method ? event.value.payment_method.id : null,
    });
  });
  paymentElement.on('savedpaymentmethodremove', (event) => {
    report('remove', { success: event.success, payment_method: event.payment_method ? event.payment_method.id : null });
  });
  paymentElement.on('loaderror', (event) => {
    errorMessage.textContent = event.error.message;
    report('loaderror', { error: event.error });
  });
  paymentElement.mount(container.querySelector('#payment-element'));

  // Submit: confirm the payment with what the customer chose in the Payment Element.
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submitButton.disabled = true;
    showButton('processing');
    errorMessage.textContent = '';
    message.textContent = '';

    const { error } = await stripe.confirmPayment({
      // `Elements` instance that was used to create the Payment Element
      elements,
      confirmParams: {
        return_url: returnUrl || window.location.href,
      },
      // Card payments finish here; only redirect-based methods leave the page.
      redirect: 'if_required',
    });

    if (error) {
      // This point is only reached on an immediate error. Stripe's pattern: a card error
      // (a declined card) or a validation error (incomplete details) is meant for your
      // customer; any other error is for you, the developer, so the customer sees a generic
      // message (the whole error is still reported below).
      errorMessage.textContent = customerErrorMessage(error, locale);
    }
    if (error && error.type === 'validation_error') {
      // Nothing reached Stripe: let the customer fix the form.
      submitButton.disabled = false;
      showButton('pay');
      report('outcome', { payment_intent_id: intent ? intent.id : null, status: null, error: errorReport(error) });
      return;
    }

    // status.js: ask Stripe for the PaymentIntent and show a message per status.
    const { paymentIntent, error: statusError } = await stripe.retrievePaymentIntent(clientSecret);
    const status = paymentIntent ? paymentIntent.status : null;
    message.textContent = statusError ? statusError.message : statusMessage(status, locale);

    const finished = status === 'succeeded' || status === 'processing' || status === 'requires_capture';
    submitButton.disabled = finished;
    showButton(finished ? 'paid' : 'pay');
    report('outcome', {
      payment_intent_id: paymentIntent ? paymentIntent.id : intent ? intent.id : null,
      status,
      error: error ? errorReport(error) : null,
    });
  });

  return {
    stripe,
    elements,
    paymentElement,
    /** Another language for the element and the page's words (the button follows). */
    setLocale(next) {
      locale = next || 'auto';
      container.lang = pageLocale(locale);
      elements.update({ locale });
      showButton(button);
    },
    destroy() {
      paymentElement.destroy();
      container.replaceChildren();
    },
  };
}

/**
 * status.js: the return page. After a redirect (iDEAL, Bancontact, or the default
 * `redirect: 'always'`), Stripe sends the customer to your return_url with
 * `?payment_intent=…&payment_intent_client_secret=…&redirect_status=…` added. This page reads
 * the PaymentIntent with the publishable key and says how the payment went.
 *
 * showStatusPage({Stripe, publishableKey, url, container, report, onRetry, locale})
 *   url       the return URL the customer landed on (a real page: window.location.href)
 *   onRetry   optional: offered as "Try another payment method" when the payment failed
 *   locale    optional: the language of the page's words, as for mountCheckout
 */
async function showStatusPage({
  Stripe,
  publishableKey,
  url = window.location.href,
  container,
  report = () => {},
  onRetry,
  locale = 'auto',
}) {
  const text = pageText(locale);
  container.classList.add('kit-checkout');
  container.lang = pageLocale(locale);
  container.innerHTML = `
    <div id="status-page">
      <div id="message" role="status"></div>
    </div>`;
  const message = container.querySelector('#message');

  // Initialize Stripe.js using your publishable key
  const stripe = Stripe(publishableKey);

  // Retrieve the "payment_intent_client_secret" query parameter appended to
  // your return_url by Stripe.js
  const clientSecret = new URLSearchParams(new URL(url, window.location.href).search).get(
    'payment_intent_client_secret'
  );

  // Retrieve the PaymentIntent
  const { paymentIntent, error } = await stripe.retrievePaymentIntent(clientSecret);
  // Inspect the PaymentIntent `status` to indicate the status of the payment to your customer.
  message.innerText = error ? error.message : statusMessage(paymentIntent.status, locale);

  if (paymentIntent && paymentIntent.status === 'requires_payment_method' && onRetry) {
    // "Redirect your user back to your payment page to attempt collecting payment again"
    const again = document.createElement('button');
    again.id = 'submit';
    again.type = 'button';
    again.textContent = text.tryAnother;
    again.style.marginTop = '16px';
    again.addEventListener('click', () => onRetry());
    container.querySelector('#status-page').appendChild(again);
  }
  const failure = paymentIntent && paymentIntent.last_payment_error;
  report('outcome', {
    payment_intent_id: paymentIntent ? paymentIntent.id : null,
    status: paymentIntent ? paymentIntent.status : null,
    error: error ? errorReport(error) : failure ? errorReport(failure) : null,
    redirect_status: new URLSearchParams(new URL(url, window.location.href).search).get('redirect_status'),
  });
  return { stripe, paymentIntent };
}

/**
 * What to tell the customer about a confirmPayment error: Stripe's message for `card_error`
 * and `validation_error`, a generic one for every other type (an API or integration error).
 */
function customerErrorMessage(error, locale = 'en-US') {
  if (error.type === 'card_error' || error.type === 'validation_error') return error.message;
  return pageText(locale).unexpected;
}

/** The parts of a Stripe error worth showing to the notebook (never a client secret). */
function errorReport(error) {
  return {
    type: error.type || null,
    code: error.code || null,
    decline_code: error.decline_code || null,
    message: error.message || null,
  };
}
