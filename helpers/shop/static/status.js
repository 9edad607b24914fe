// status.js: the return page. Stripe.js sends the customer to your return_url with
// `payment_intent_client_secret` in the query; read the PaymentIntent with it.
document.addEventListener('DOMContentLoaded', async () => {
  const message = document.querySelector('#message');
  const { publishableKey } = await fetch('/config').then((r) => r.json());
  const stripe = Stripe(publishableKey);

  // Retrieve the "payment_intent_client_secret" query parameter appended to
  // your return_url by Stripe.js
  const clientSecret = new URLSearchParams(window.location.search).get(
    'payment_intent_client_secret'
  );
  if (!clientSecret) {
    message.innerText = 'No payment to show.';
    return;
  }

  // Retrieve the PaymentIntent
  const { paymentIntent, error } = await stripe.retrievePaymentIntent(clientSecret);
  if (error) {
    message.innerText = 'Something went wrong.';
    return;
  }
  // Inspect the PaymentIntent `status` to indicate the status of the payment
  // to your customer.
  switch (paymentIntent.status) {
    case 'succeeded':
      message.innerText = 'Success! Payment received.';
      break;
    case 'processing':
      message.innerText = "Payment processing. We'll update you when payment is received.";
      break;
    case 'requires_payment_method':
      message.innerText = 'Payment failed. Please try another payment method.';
      // Redirect your user back to your payment page to attempt collecting
      // payment again
      break;
    default:
      message.innerText = 'Something went wrong.';
      break;
  }
});
