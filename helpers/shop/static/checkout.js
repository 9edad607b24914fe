// checkout.js: the client side of Stripe's "Payments for existing customers" guide, as plain
// page code. `Stripe` comes from the <script> tag in checkout.html.
document.addEventListener('DOMContentLoaded', async () => {
  const form = document.getElementById('payment-form');
  const submitButton = document.getElementById('submit');
  const messageContainer = document.querySelector('#error-message');

  // Your publishable key comes from your server: it is safe to show to the browser.
  const { publishableKey } = await fetch('/config').then((r) => r.json());
  const stripe = Stripe(publishableKey);

  // Fetch the two `client_secret`. The server decides who pays and how much: this request
  // sends nothing but the session cookie, and the page's CSRF token (without it the server
  // refuses the POST, so another site cannot start a payment in your customer's name).
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const response = await fetch('/create-intent-and-customer-session', {
    method: 'POST',
    headers: { 'X-CSRFToken': csrfToken },
  });
  const answer = await response.json();
  if (!response.ok) {
    messageContainer.textContent = answer.error.message;
    return;
  }
  const { client_secret, customer_session_client_secret } = answer;

  // Initialize Elements
  const elements = stripe.elements({
    clientSecret: client_secret,
    customerSessionClientSecret: customer_session_client_secret,
  });

  // Create and mount the Payment Element
  const paymentElementOptions = { layout: 'accordion' };
  const paymentElement = elements.create('payment', paymentElementOptions);
  paymentElement.on('ready', () => { submitButton.disabled = false; });
  paymentElement.mount('#payment-element');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submitButton.disabled = true;
    messageContainer.textContent = '';

    const { error } = await stripe.confirmPayment({
      // `Elements` instance that was used to create the Payment Element
      elements,
      confirmParams: {
        return_url: `${window.location.origin}/complete`,
      },
    });

    // This point will only be reached if there is an immediate error when confirming the
    // payment. Otherwise your customer is redirected to your `return_url` (for some payment
    // methods, like iDEAL, to an intermediate site first to authorize the payment).
    if (error.type === 'card_error' || error.type === 'validation_error') {
      messageContainer.textContent = error.message;
    } else {
      messageContainer.textContent = 'An unexpected error occurred.';
    }
    submitButton.disabled = false;
  });
});
