/*
 * stripe-standin.js: an offline stand-in for Stripe.js v3.
 *
 * The kit teaches the Payment Element without an internet connection. Your page code calls the
 * same functions it would call on the real Stripe.js (`Stripe(pk)`, `stripe.elements(...)`,
 * `elements.create('payment', ...)`, `stripe.confirmPayment(...)`,
 * `stripe.retrievePaymentIntent(...)`) and gets the same shapes back. Only the place the script
 * comes from changes.
 *
 * What this is not: Stripe's real Payment Element lives in an iframe on js.stripe.com, so card
 * numbers never touch your page (that is what keeps you out of PCI scope). This stand-in draws
 * plain inputs in your page and sends the test card to the local emulator. Never use it with
 * real card data. Its fields are clearly labelled "offline stand-in".
 *
 * One text, two ways to load it:
 *   (a) as `<script src="http://127.0.0.1:PORT/js.stripe.com/v3/">` from the emulator's HTTP
 *       server. Then it installs `window.Stripe`, which talks to the script's own origin with
 *       fetch, form encoding and `Authorization: Bearer <publishable key>`, as Stripe.js does.
 *   (b) concatenated into the kit's widget module. Then it only defines `KitStripeStandin`;
 *       the widget calls `KitStripeStandin.create(transport)` with a transport that asks the
 *       Jupyter kernel to forward requests to the in-process emulator.
 *
 * A transport is `async (method, path, params) => ({status, body})`; params are nested objects
 * (the JSON shape of Stripe's form encoding).
 *
 * Plain classic script: no import/export, works in strict mode and inside an ES module.
 */
var KitStripeStandin = (function () {
  'use strict';

  var VERSION = 'kit-standin/1';

  /* ==================================================================================== *
   * 1. Small utilities
   * ==================================================================================== */

  /** Stripe.js throws an IntegrationError when the page calls it wrongly (a bug in your code,
   *  not a payment problem). Payment problems come back as `{error}` instead. */
  function integrationError(message) {
    var error = new Error(message);
    error.name = 'IntegrationError';
    return error;
  }

  /** Flatten nested params the way Stripe's form encoding does:
   *  {card: {number: '42'}} -> [['card[number]', '42']]. */
  function flattenParams(value, prefix, out) {
    if (value === undefined || value === null) return out;
    if (Array.isArray(value)) {
      value.forEach(function (item, i) { flattenParams(item, prefix + '[' + i + ']', out); });
    } else if (typeof value === 'object') {
      Object.keys(value).forEach(function (key) {
        flattenParams(value[key], prefix ? prefix + '[' + key + ']' : key, out);
      });
    } else {
      out.push([prefix, String(value)]);
    }
    return out;
  }

  function formEncode(params) {
    return flattenParams(params || {}, '', [])
      .map(function (pair) {
        return encodeURIComponent(pair[0]) + '=' + encodeURIComponent(pair[1]);
      })
      .join('&');
  }

  /** The transport Stripe.js itself uses: HTTPS requests to api.stripe.com, here to the
   *  emulator's origin, authenticated with the publishable key. */
  function httpTransport(origin, publishableKey) {
    return async function (method, path, params) {
      var query = formEncode(params);
      var hasBody = method !== 'GET' && method !== 'DELETE';
      var headers = { Authorization: 'Bearer ' + publishableKey };
      if (hasBody) headers['Content-Type'] = 'application/x-www-form-urlencoded';
      var response = await fetch(origin + path + (!hasBody && query ? '?' + query : ''), {
        method: method,
        headers: headers,
        body: hasBody ? query : undefined,
      });
      var body;
      try {
        body = await response.json();
      } catch (e) {
        body = { error: { type: 'api_error', message: 'The server answered HTTP ' + response.status + ' without a JSON body.' } };
      }
      return { status: response.status, body: body };
    };
  }

  /** `pi_123_secret_abc` -> `pi_123`. The intent id is everything before `_secret_`.
   *  `kind`: 'pi' (a PaymentIntent's secret), 'seti' (a SetupIntent's) or 'any' (either). */
  function intentIdFromSecret(clientSecret, caller, kind) {
    kind = kind || 'pi';
    var match = /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(String(clientSecret || ''));
    if (match && kind !== 'any' && match[2] !== kind) {
      throw integrationError(
        'Invalid value for ' + caller + ': expected a ' + (kind === 'pi' ? 'PaymentIntent' : 'SetupIntent') +
        ' client secret (' + kind + '_..._secret_...), but you passed a ' +
        (match[2] === 'pi' ? 'PaymentIntent' : 'SetupIntent') + ' client secret.');
    }
    if (!match) {
      throw integrationError(
        'Invalid value for ' + caller + ': clientSecret should be a client secret of the form ' +
        '${id}_secret_${secret}. You specified: ' + clientSecret + '.'
      );
    }
    return match[1];
  }

  /** Ids unique in the whole page. The widget's module may be evaluated once per widget (each
   *  with its own copy of this script), so the counter lives on the global object. */
  function uniqueId(name) {
    var g = typeof globalThis !== 'undefined' ? globalThis : window;
    g.__kitStandinIds = (g.__kitStandinIds || 0) + 1;
    return 'kit-pe-' + g.__kitStandinIds + '-' + name;
  }

  /** Build a DOM element: h('div', {class: 'x', 'aria-label': 'y'}, child, 'text', ...). */
  function h(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), value);
      else if (value === true) node.setAttribute(name, '');
      else node.setAttribute(name, String(value));
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function svg(markup) {
    var span = document.createElement('span');
    span.className = 'kit-pe__icon';
    span.setAttribute('aria-hidden', 'true');
    span.innerHTML = markup;
    return span;
  }

  /* ==================================================================================== *
   * 2. Payment details: card brands, formatting and Stripe's inline validation messages
   * ==================================================================================== */

  var BRANDS = [
    { brand: 'amex', name: 'American Express', pattern: /^3[47]/, length: 15, cvc: 4, gaps: [4, 10] },
    { brand: 'diners', name: 'Diners Club', pattern: /^3(0[0-5]|[689])/, length: 14, cvc: 3, gaps: [4, 10] },
    { brand: 'discover', name: 'Discover', pattern: /^(6011|65|64[4-9])/, length: 16, cvc: 3, gaps: [4, 8, 12] },
    { brand: 'unionpay', name: 'UnionPay', pattern: /^62/, length: 16, cvc: 3, gaps: [4, 8, 12] },
    { brand: 'jcb', name: 'JCB', pattern: /^35/, length: 16, cvc: 3, gaps: [4, 8, 12] },
    { brand: 'mastercard', name: 'Mastercard', pattern: /^(5[1-5]|2[2-7])/, length: 16, cvc: 3, gaps: [4, 8, 12] },
    { brand: 'visa', name: 'Visa', pattern: /^4/, length: 16, cvc: 3, gaps: [4, 8, 12] },
  ];
  var UNKNOWN_BRAND = { brand: 'unknown', name: 'Card', pattern: /^/, length: 16, cvc: 3, gaps: [4, 8, 12] };

  function brandOf(digits) {
    for (var i = 0; i < BRANDS.length; i++) if (BRANDS[i].pattern.test(digits)) return BRANDS[i];
    return UNKNOWN_BRAND;
  }

  function brandName(brand) {
    for (var i = 0; i < BRANDS.length; i++) if (BRANDS[i].brand === brand) return BRANDS[i].name;
    return 'Card';
  }

  /** The Luhn checksum every card number carries in its last digit. */
  function luhnValid(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return digits.length > 0 && sum % 10 === 0;
  }

  function formatCardNumber(digits) {
    var brand = brandOf(digits);
    var out = '';
    for (var i = 0; i < digits.length; i++) {
      if (brand.gaps.indexOf(i) !== -1) out += ' ';
      out += digits[i];
    }
    return out;
  }

  /** "1" -> "1", "4" -> "04 / ", "123" -> "12 / 3" */
  function formatExpiry(raw, deleting) {
    var digits = raw.replace(/\D/g, '');
    if (digits.length === 1 && Number(digits) > 1) digits = '0' + digits;
    digits = digits.slice(0, 4);
    if (digits.length < 2) return digits;
    if (digits.length === 2) return deleting ? digits : digits + ' / ';
    return digits.slice(0, 2) + ' / ' + digits.slice(2);
  }

  /** ABA routing numbers carry a checksum too: 3-7-1 weights over the nine digits. */
  function routingValid(digits) {
    var weights = [3, 7, 1];
    var sum = 0;
    for (var i = 0; i < 9; i++) sum += Number(digits[i]) * weights[i % 3];
    return sum % 10 === 0;
  }

  /** IBAN check: move the first four characters to the end, letters to numbers, mod 97 = 1. */
  function ibanValid(iban) {
    var rearranged = iban.slice(4) + iban.slice(0, 4);
    var remainder = 0;
    for (var i = 0; i < rearranged.length; i++) {
      var code = rearranged.charCodeAt(i);
      var chunk = code >= 65 && code <= 90 ? String(code - 55) : rearranged[i];
      for (var j = 0; j < chunk.length; j++) remainder = (remainder * 10 + Number(chunk[j])) % 97;
    }
    return remainder === 1;
  }

  function problem(code, message) { return { code: code, message: message }; }

  /**
   * The inline checks, one per field: `check(value, form)` returns null when the field is fine,
   * else `{code, message}` with Stripe's wording (`form.value(key)` reads another field).
   */
  var CHECKS = {
    number: function (value) {
      var digits = value.replace(/\D/g, '');
      if (digits.length < brandOf(digits).length) return problem('incomplete_number', 'Your card number is incomplete.');
      if (!luhnValid(digits)) return problem('invalid_number', 'Your card number is invalid.');
      return null;
    },
    expiry: function (value, form) {
      var now = form.now();
      var digits = value.replace(/\D/g, '');
      if (digits.length < 4) return problem('incomplete_expiry', "Your card's expiration date is incomplete.");
      var month = Number(digits.slice(0, 2));
      var year = 2000 + Number(digits.slice(2, 4));
      if (month < 1 || month > 12) return problem('invalid_expiry_month', "Your card's expiration date is invalid.");
      if (year < now.getFullYear()) return problem('invalid_expiry_year_past', "Your card's expiration year is in the past.");
      if (year === now.getFullYear() && month < now.getMonth() + 1) {
        return problem('invalid_expiry_month_past', "Your card's expiration date is in the past.");
      }
      if (year > now.getFullYear() + 50) return problem('invalid_expiry_year', "Your card's expiration year is invalid.");
      return null;
    },
    cvc: function (value, form) {
      var brand = brandOf(form.value('number').replace(/\D/g, ''));
      if (value.replace(/\D/g, '').length < brand.cvc) return problem('incomplete_cvc', "Your card's security code is incomplete.");
      return null;
    },
    postal: function (value, form) {
      var rule = POSTAL[form.value('country')];
      if (rule && !rule.pattern.test(value.trim())) return problem('incomplete_zip', rule.incomplete);
      return null;
    },
    name: function (value) {
      return value.trim() ? null : problem('incomplete_name', 'Your full name is incomplete.');
    },
    email: function (value) {
      if (!value.trim()) return problem('incomplete_email', 'Your email address is incomplete.');
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim())) return problem('invalid_email', 'Your email address is invalid.');
      return null;
    },
    routing: function (value) {
      var digits = value.replace(/\D/g, '');
      if (digits.length < 9) return problem('incomplete_routing_number', 'Your routing number is incomplete.');
      if (!routingValid(digits)) return problem('invalid_routing_number', 'Your routing number is invalid.');
      return null;
    },
    account: function (value) {
      if (value.replace(/\D/g, '').length < 4) return problem('incomplete_account_number', 'Your account number is incomplete.');
      return null;
    },
    account_confirm: function (value, form) {
      if (!value) return problem('incomplete_account_number_confirmation', 'Please confirm your account number.');
      if (value !== form.value('account')) return problem('account_number_mismatch', "Your account numbers don't match.");
      return null;
    },
    iban: function (value) {
      var iban = value.replace(/\s/g, '').toUpperCase();
      if (iban.length < 15) return problem('incomplete_iban', 'Your IBAN is incomplete.');
      if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban) || !ibanValid(iban)) return problem('invalid_iban', 'Your IBAN is invalid.');
      return null;
    },
  };

  var COUNTRIES = [
    ['US', 'United States'], ['CA', 'Canada'], ['GB', 'United Kingdom'], ['IE', 'Ireland'],
    ['FR', 'France'], ['DE', 'Germany'], ['NL', 'Netherlands'], ['BE', 'Belgium'],
    ['ES', 'Spain'], ['IT', 'Italy'], ['AU', 'Australia'], ['JP', 'Japan'],
  ];
  /** Countries where the Payment Element asks for a postal code, with its label. */
  var POSTAL = {
    US: { label: 'ZIP', placeholder: '12345', pattern: /^\d{5}(-?\d{4})?$/, incomplete: 'Your ZIP is incomplete.' },
    CA: { label: 'Postal code', placeholder: 'A1B 2C3', pattern: /^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$/, incomplete: 'Your postal code is incomplete.' },
    GB: { label: 'Postal code', placeholder: 'WS11 1DB', pattern: /^[A-Za-z0-9 ]{5,8}$/, incomplete: 'Your postal code is incomplete.' },
  };

  /* Small inline icons (24 x 16) so the script needs no other file. */
  var ICONS = {
    visa: '<svg viewBox="0 0 24 16" width="24" height="16"><rect width="24" height="16" rx="2" fill="#1434cb"/><text x="12" y="11" text-anchor="middle" font-family="Arial,sans-serif" font-size="7" font-style="italic" font-weight="700" fill="#fff">VISA</text></svg>',
    mastercard: '<svg viewBox="0 0 24 16" width="24" height="16"><rect width="24" height="16" rx="2" fill="#252525"/><circle cx="9.5" cy="8" r="4.5" fill="#eb001b"/><circle cx="14.5" cy="8" r="4.5" fill="#f79e1b" fill-opacity=".9"/></svg>',
    amex: '<svg viewBox="0 0 24 16" width="24" height="16"><rect width="24" height="16" rx="2" fill="#016fd0"/><text x="12" y="10.5" text-anchor="middle" font-family="Arial,sans-serif" font-size="6" font-weight="700" fill="#fff">AMEX</text></svg>',
    discover: '<svg viewBox="0 0 24 16" width="24" height="16"><rect width="24" height="16" rx="2" fill="#fff" stroke="#d9d9d9"/><circle cx="14" cy="8" r="3" fill="#f58220"/><text x="7" y="10" text-anchor="middle" font-family="Arial,sans-serif" font-size="5" font-weight="700" fill="#222">DISC</text></svg>',
    card: '<svg viewBox="0 0 24 16" width="24" height="16"><rect x=".5" y=".5" width="23" height="15" rx="2" fill="none" stroke="currentColor" stroke-opacity=".6"/><rect x="1" y="4" width="22" height="2.5" fill="currentColor" fill-opacity=".6"/><rect x="3" y="10" width="7" height="2" rx="1" fill="currentColor" fill-opacity=".4"/></svg>',
    bank: '<svg viewBox="0 0 24 16" width="24" height="16"><path d="M12 1 4 5h16z M5 6h14v1.5H5z M6 8h2v5H6z M11 8h2v5h-2z M16 8h2v5h-2z M4 13.5h16V15H4z" fill="currentColor" fill-opacity=".65"/></svg>',
    link: '<svg viewBox="0 0 24 16" width="24" height="16"><rect width="24" height="16" rx="2" fill="#00d66f"/><text x="12" y="10.5" text-anchor="middle" font-family="Arial,sans-serif" font-size="6.5" font-weight="700" fill="#011e0f">link</text></svg>',
  };
  function iconFor(type, brand) {
    if (type === 'card') return ICONS[brand] || ICONS.card;
    if (type === 'link') return ICONS.link;
    return ICONS.bank;
  }

  /** How the Payment Element names a saved payment method: brand and last 4 digits. */
  function describeSavedMethod(pm) {
    var details = pm[pm.type] || {};
    var last4 = details.last4 ? ' •••• ' + details.last4 : '';
    if (pm.type === 'card') {
      var expiry = details.exp_month && details.exp_year
        ? 'Expires ' + String(details.exp_month).padStart(2, '0') + '/' + String(details.exp_year).slice(-2)
        : '';
      return { label: brandName(details.brand) + last4, extra: expiry, icon: iconFor('card', details.brand) };
    }
    if (pm.type === 'us_bank_account') return { label: (details.bank_name || 'Bank account') + last4, extra: 'Bank account', icon: ICONS.bank };
    if (pm.type === 'sepa_debit') return { label: 'SEPA Debit' + last4, extra: details.country || '', icon: ICONS.bank };
    if (pm.type === 'link') return { label: 'Link', extra: details.email || '', icon: ICONS.link };
    var names = { ideal: 'iDEAL', bancontact: 'Bancontact', sofort: 'Sofort' };
    return { label: (names[pm.type] || pm.type.replace(/_/g, ' ')) + last4, extra: '', icon: ICONS.bank };
  }

  /* ------------------------------------------------------------------------------------ *
   * Locales: `stripe.elements({locale})`. English is the source text; French is translated
   * (the words Stripe's French Payment Element uses). Other locales fall back to English.
   * ------------------------------------------------------------------------------------ */
  var FR = {
    'Card': 'Carte', 'Card number': 'Numéro de carte', 'Expiration date': "Date d'expiration",
    'Security code': 'Code de sécurité', 'Country': 'Pays', 'ZIP': 'Code postal',
    'Postal code': 'Code postal', 'MM / YY': 'MM / AA', 'Full name': 'Nom complet', 'Email': 'E-mail',
    'Routing number': "Numéro d'acheminement", 'Account number': 'Numéro de compte',
    'Confirm account number': 'Confirmer le numéro de compte',
    'US bank account': 'Compte bancaire américain', 'SEPA Debit': 'Prélèvement SEPA',
    'SEPA Direct Debit': 'Prélèvement SEPA', 'Bank account': 'Compte bancaire',
    'Save payment details for future purchases': 'Enregistrer mes informations de paiement pour mes prochains achats',
    'Default': 'Par défaut', 'Remove': 'Supprimer', 'Cancel': 'Annuler',
    'Payment method': 'Moyen de paiement', 'Card details': 'Informations de carte',
    'Loading payment methods': 'Chargement des moyens de paiement',
    'Offline stand-in for Stripe.js: test data only, no real payment is made.':
      'Remplaçant hors ligne de Stripe.js : données de test uniquement, aucun paiement réel.',
    'Your card number is incomplete.': 'Votre numéro de carte est incomplet.',
    'Your card number is invalid.': "Votre numéro de carte n'est pas valide.",
    "Your card's expiration date is incomplete.": "La date d'expiration de votre carte est incomplète.",
    "Your card's expiration date is invalid.": "La date d'expiration de votre carte n'est pas valide.",
    "Your card's expiration year is in the past.": "L'année d'expiration de votre carte est déjà passée.",
    "Your card's expiration date is in the past.": "La date d'expiration de votre carte est déjà passée.",
    "Your card's expiration year is invalid.": "L'année d'expiration de votre carte n'est pas valide.",
    "Your card's security code is incomplete.": 'Le code de sécurité de votre carte est incomplet.',
    'Your ZIP is incomplete.': 'Votre code postal est incomplet.',
    'Your postal code is incomplete.': 'Votre code postal est incomplet.',
    'Your full name is incomplete.': 'Votre nom complet est incomplet.',
    'Your email address is incomplete.': 'Votre adresse e-mail est incomplète.',
    'Your email address is invalid.': "Votre adresse e-mail n'est pas valide.",
    'Your IBAN is incomplete.': 'Votre IBAN est incomplet.', 'Your IBAN is invalid.': "Votre IBAN n'est pas valide.",
    'Your routing number is incomplete.': "Votre numéro d'acheminement est incomplet.",
    'Your routing number is invalid.': "Votre numéro d'acheminement n'est pas valide.",
    'Your account number is incomplete.': 'Votre numéro de compte est incomplet.',
    'Please confirm your account number.': 'Veuillez confirmer votre numéro de compte.',
    "Your account numbers don't match.": 'Vos numéros de compte ne correspondent pas.',
    'Please select your bank.': 'Veuillez sélectionner votre banque.',
    'Please select your country.': 'Veuillez sélectionner votre pays.',
    'Please select a payment method.': 'Veuillez sélectionner un moyen de paiement.',
    'Select bank': 'Sélectionnez une banque', 'iDEAL Bank': 'Banque iDEAL',
    'After submission, you will be redirected to securely complete next steps.':
      'Après validation, vous serez redirigé pour terminer les étapes suivantes en toute sécurité.',
    'Your card was declined.': 'Votre carte a été refusée.',
    'Your card has insufficient funds.': 'Votre carte ne dispose pas de fonds suffisants.',
    'United States': 'États-Unis', 'United Kingdom': 'Royaume-Uni', 'Ireland': 'Irlande',
    'Germany': 'Allemagne', 'Netherlands': 'Pays-Bas', 'Belgium': 'Belgique', 'Spain': 'Espagne',
    'Italy': 'Italie', 'Australia': 'Australie', 'Japan': 'Japon', 'Austria': 'Autriche',
    'Authorize test payment': 'Autoriser le paiement de test', 'Fail test payment': 'Faire échouer le paiement de test',
    // The test bank page and the 3-D Secure test page, drawn by the stand-in in the element.
    'TEST MODE': 'MODE TEST',
    'Stripe would now send your customer to their bank to authorize saving this method for future payments. Choose how it ends.':
      "Stripe enverrait maintenant votre client vers sa banque pour autoriser l'enregistrement de ce moyen de paiement pour de futurs paiements. Choisissez l'issue.",
    'Offline stand-in for the bank redirect: the notebook page stays where it is.':
      'Remplaçant hors ligne de la redirection vers la banque : la page du notebook reste où elle est.',
    '3D Secure 2 test authentication': 'Authentification de test 3D Secure 2',
    'Complete authentication': "Terminer l'authentification", 'Fail authentication': "Faire échouer l'authentification",
    'Offline stand-in for the 3D Secure test page.': 'Remplaçant hors ligne de la page de test 3D Secure.',
  };
  var FR_PATTERNS = [
    [/^Expires (\d\d\/\d\d)$/, 'Expire le $1'],
    [/^Remove (.+)\? You can add it again later\.$/, 'Supprimer $1 ? Vous pourrez l’ajouter à nouveau.'],
    [/^Remove (.+)$/, 'Supprimer $1'],
    [/^(.+) test payment page$/, 'Page de paiement de test $1'],
    [/^Stripe would now send your customer to their bank to authorize this payment\. Choose how the test payment ends\.$/,
      "Stripe enverrait maintenant votre client vers sa banque pour autoriser ce paiement. Choisissez l'issue du paiement de test."],
    [/^Stripe would now send your customer to their bank to authorize (.+)\. Choose how the test payment ends\.$/,
      "Stripe enverrait maintenant votre client vers sa banque pour autoriser $1. Choisissez l'issue du paiement de test."],
    [/^You are saving this card for future payments \(nothing is charged now\)\. Your bank would now ask you to confirm it is you\. Choose what happens\.$/,
      "Vous enregistrez cette carte pour de futurs paiements (rien n'est débité maintenant). Votre banque vous demanderait maintenant de confirmer votre identité. Choisissez la suite."],
    [/^This is a test payment\. Your bank would now ask you to confirm it is you\. Choose what happens\.$/,
      'Ceci est un paiement de test. Votre banque vous demanderait maintenant de confirmer votre identité. Choisissez la suite.'],
    [/^This is a test payment of (.+)\. Your bank would now ask you to confirm it is you\. Choose what happens\.$/,
      'Ceci est un paiement de test de $1. Votre banque vous demanderait maintenant de confirmer votre identité. Choisissez la suite.'],
  ];

  /** An amount in the currency's smallest unit, written by the browser for `locale` ('en' or 'fr'). */
  function formatMoney(amount, currency, locale) {
    var format = new Intl.NumberFormat(locale === 'fr' ? 'fr' : 'en-US',
      { style: 'currency', currency: String(currency || 'usd').toUpperCase() });
    return format.format(amount / Math.pow(10, format.resolvedOptions().maximumFractionDigits));
  }

  /** Translate one English text of the element into `locale` ('en' or 'fr'). */
  function tr(text, locale) {
    if (locale !== 'fr' || typeof text !== 'string') return text;
    var key = text.trim();
    if (FR[key] !== undefined) return text.replace(key, FR[key]);
    for (var i = 0; i < FR_PATTERNS.length; i++) {
      if (FR_PATTERNS[i][0].test(key)) return key.replace(FR_PATTERNS[i][0], FR_PATTERNS[i][1]);
    }
    return text;
  }

  /** Translate a drawn subtree in place: text, placeholders and accessible names. */
  function localize(root, locale) {
    if (locale !== 'fr' || !root) return root;
    var walker = document.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
    var node;
    while ((node = walker.nextNode())) node.nodeValue = tr(node.nodeValue, locale);
    [root].concat(Array.prototype.slice.call(root.querySelectorAll('[placeholder],[aria-label]'))).forEach(function (el) {
      ['placeholder', 'aria-label'].forEach(function (attr) {
        if (el.hasAttribute && el.hasAttribute(attr)) el.setAttribute(attr, tr(el.getAttribute(attr), locale));
      });
    });
    return root;
  }

  /* ==================================================================================== *
   * 3. Look: one <style> element, themed through CSS variables (Appearance API)
   * ==================================================================================== */

  var THEMES = {
    stripe: { colorPrimary: '#0570de', colorBackground: '#ffffff', colorText: '#30313d', colorDanger: '#df1b41', borderRadius: '5px' },
    night: { colorPrimary: '#0570de', colorBackground: '#30313d', colorText: '#ffffff', colorDanger: '#fe87a1', borderRadius: '5px' },
    flat: { colorPrimary: '#0570de', colorBackground: '#ffffff', colorText: '#30313d', colorDanger: '#df1b41', borderRadius: '6px' },
  };
  var VARIABLES = {
    colorPrimary: '--kit-pe-color-primary',
    colorBackground: '--kit-pe-color-background',
    colorText: '--kit-pe-color-text',
    colorDanger: '--kit-pe-color-danger',
    fontFamily: '--kit-pe-font-family',
    fontSizeBase: '--kit-pe-font-size-base',
    borderRadius: '--kit-pe-border-radius',
    spacingUnit: '--kit-pe-spacing-unit',
  };

  function applyAppearance(root, appearance) {
    appearance = appearance || {};
    var theme = THEMES[appearance.theme] ? appearance.theme : 'stripe';
    root.classList.remove('kit-theme-stripe', 'kit-theme-night', 'kit-theme-flat');
    root.classList.add('kit-theme-' + theme);
    var values = Object.assign({}, THEMES[theme], appearance.variables || {});
    Object.keys(VARIABLES).forEach(function (name) {
      if (values[name] !== undefined) root.style.setProperty(VARIABLES[name], String(values[name]));
      else root.style.removeProperty(VARIABLES[name]);
    });
  }

  var CSS = [
    '.kit-pe{--kit-pe-color-primary:#0570de;--kit-pe-color-background:#fff;--kit-pe-color-text:#30313d;',
    '--kit-pe-color-danger:#df1b41;--kit-pe-border-radius:5px;--kit-pe-spacing-unit:4px;--kit-pe-font-size-base:16px;',
    '--kit-pe-font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Ubuntu,sans-serif;',
    '--kit-pe-border:color-mix(in srgb,var(--kit-pe-color-text) 16%,var(--kit-pe-color-background));',
    '--kit-pe-muted:color-mix(in srgb,var(--kit-pe-color-text) 62%,var(--kit-pe-color-background));',
    '--kit-pe-shadow:0 1px 1px rgba(0,0,0,.03),0 3px 6px rgba(0,0,0,.02);',
    '--kit-pe-ring:0 0 0 3px color-mix(in srgb,var(--kit-pe-color-primary) 25%,transparent);',
    'font-family:var(--kit-pe-font-family);font-size:calc(var(--kit-pe-font-size-base)*.875);line-height:1.4;',
    'color:var(--kit-pe-color-text);text-align:left;-webkit-font-smoothing:antialiased}',
    '.kit-pe *,.kit-pe *::before,.kit-pe *::after{box-sizing:border-box}',
    '.kit-pe__icon{display:inline-flex;flex:none;line-height:0}',
    '.kit-pe__options{display:flex;flex-direction:column;margin:0;padding:0;border:1px solid var(--kit-pe-border);',
    'border-radius:var(--kit-pe-border-radius);background:var(--kit-pe-color-background);box-shadow:var(--kit-pe-shadow)}',
    '.kit-pe__option{border-top:1px solid var(--kit-pe-border)}',
    '.kit-pe__option:first-child{border-top:0}',
    '.kit-pe__header{display:flex;align-items:center;gap:calc(var(--kit-pe-spacing-unit)*3);',
    'padding:calc(var(--kit-pe-spacing-unit)*4);cursor:pointer;margin:0;font-weight:500}',
    '.kit-pe__option.is-selected>.kit-pe__header{color:var(--kit-pe-color-primary);font-weight:600}',
    '.kit-pe__radio{appearance:none;-webkit-appearance:none;flex:none;width:16px;height:16px;margin:0;',
    'border:1px solid var(--kit-pe-border);border-radius:50%;background:var(--kit-pe-color-background);',
    'box-shadow:var(--kit-pe-shadow);transition:border .15s;cursor:pointer}',
    '.kit-pe__radio:checked{border:5px solid var(--kit-pe-color-primary)}',
    '.kit-pe__radio:focus-visible{outline:0;box-shadow:var(--kit-pe-ring)}',
    '.kit-pe__label{flex:1 1 auto;min-width:0}',
    '.kit-pe__extra{color:var(--kit-pe-muted);font-weight:400;font-size:.93em;white-space:nowrap}',
    '.kit-pe__badge{font-size:.8em;font-weight:500;color:var(--kit-pe-muted);border:1px solid var(--kit-pe-border);',
    'border-radius:4px;padding:0 6px}',
    '.kit-pe__body{padding:0 calc(var(--kit-pe-spacing-unit)*4) calc(var(--kit-pe-spacing-unit)*4)}',
    '.kit-pe__grid{display:grid;grid-template-columns:1fr 1fr;gap:calc(var(--kit-pe-spacing-unit)*3)}',
    '.kit-pe__field--full{grid-column:1 / -1}',
    '.kit-pe__field label{display:block;margin-bottom:calc(var(--kit-pe-spacing-unit)*1);font-weight:400}',
    '.kit-pe__control{position:relative}',
    '.kit-pe__input{display:block;width:100%;margin:0;padding:12px;font:inherit;',
    'font-size:var(--kit-pe-font-size-base);line-height:1.25;color:var(--kit-pe-color-text);',
    'background:var(--kit-pe-color-background);border:1px solid var(--kit-pe-border);',
    'border-radius:var(--kit-pe-border-radius);box-shadow:var(--kit-pe-shadow);transition:border .15s,box-shadow .15s;outline:0}',
    'select.kit-pe__input{appearance:none;-webkit-appearance:none;padding-right:32px;background-image:',
    'linear-gradient(45deg,transparent 50%,var(--kit-pe-muted) 50%),linear-gradient(135deg,var(--kit-pe-muted) 50%,transparent 50%);',
    'background-position:calc(100% - 18px) 55%,calc(100% - 13px) 55%;background-size:5px 5px;background-repeat:no-repeat}',
    '.kit-pe__input::placeholder{color:var(--kit-pe-muted);opacity:.8}',
    '.kit-pe__input:focus{border-color:color-mix(in srgb,var(--kit-pe-color-primary) 50%,transparent);box-shadow:var(--kit-pe-shadow),var(--kit-pe-ring)}',
    '.kit-pe__input[aria-invalid="true"]{color:var(--kit-pe-color-danger);border-color:var(--kit-pe-color-danger);',
    'box-shadow:var(--kit-pe-shadow),0 0 0 1px var(--kit-pe-color-danger)}',
    '.kit-pe__input--number{padding-right:120px}',
    '.kit-pe__brands{position:absolute;right:12px;top:50%;transform:translateY(-50%);display:flex;gap:4px;pointer-events:none}',
    '.kit-pe__error{color:var(--kit-pe-color-danger);margin-top:calc(var(--kit-pe-spacing-unit)*1);font-size:.93em}',
    '.kit-pe__error:empty{display:none}',
    '.kit-pe__save{display:flex;align-items:center;gap:8px;margin-top:calc(var(--kit-pe-spacing-unit)*3);cursor:pointer}',
    '.kit-pe__save input{width:16px;height:16px;margin:0;accent-color:var(--kit-pe-color-primary)}',
    '.kit-pe__mandate{margin:0;font-size:.86em;color:var(--kit-pe-muted)}',
    '.kit-pe__notice{margin:calc(var(--kit-pe-spacing-unit)*2) 0 0;font-size:.8em;color:var(--kit-pe-muted)}',
    '.kit-pe__row{display:flex;align-items:center}',
    '.kit-pe__row>.kit-pe__header{flex:1 1 auto;min-width:0}',
    '.kit-pe__remove{font:inherit;font-size:.93em;background:none;border:0;color:var(--kit-pe-color-primary);',
    'cursor:pointer;padding:4px 8px;margin-right:calc(var(--kit-pe-spacing-unit)*2);border-radius:4px}',
    '.kit-pe__remove:focus-visible,.kit-pe__button:focus-visible{outline:0;box-shadow:var(--kit-pe-ring)}',
    '.kit-pe__confirm{padding:0 calc(var(--kit-pe-spacing-unit)*4) calc(var(--kit-pe-spacing-unit)*4)}',
    '.kit-pe__confirm p{margin:0 0 8px}',
    '.kit-pe__buttons{display:flex;gap:8px}',
    '.kit-pe__button{font:inherit;font-weight:600;padding:8px 12px;border-radius:var(--kit-pe-border-radius);',
    'border:1px solid var(--kit-pe-border);background:var(--kit-pe-color-background);color:var(--kit-pe-color-text);cursor:pointer}',
    '.kit-pe__button--primary{background:var(--kit-pe-color-primary);border-color:var(--kit-pe-color-primary);color:#fff}',
    '.kit-pe__button--danger{background:var(--kit-pe-color-danger);border-color:var(--kit-pe-color-danger);color:#fff}',
    '.kit-pe__bank{padding:calc(var(--kit-pe-spacing-unit)*5);border:1px solid var(--kit-pe-border);',
    'border-radius:var(--kit-pe-border-radius);background:var(--kit-pe-color-background)}',
    '.kit-pe__bank h2{font-size:1.15em;margin:4px 0 8px}',
    '.kit-pe__bank p{margin:0 0 12px}',
    '.kit-pe__testmode{display:inline-block;font-size:.75em;font-weight:600;background:#fde68a;color:#30313d;border-radius:4px;padding:2px 6px}',
    '.kit-theme-flat .kit-pe__input{background-color:color-mix(in srgb,var(--kit-pe-color-text) 5%,var(--kit-pe-color-background));',
    'border-color:transparent;box-shadow:none}',
    '.kit-theme-flat .kit-pe__options,.kit-theme-flat .kit-pe__radio{box-shadow:none}',
    '.kit-theme-flat .kit-pe__option.is-selected{background:color-mix(in srgb,var(--kit-pe-color-primary) 6%,var(--kit-pe-color-background))}',
    '.kit-theme-night .kit-pe__input{background-color:color-mix(in srgb,var(--kit-pe-color-text) 8%,var(--kit-pe-color-background))}',
    '.kit-pe__alert{padding:12px;border:1px solid var(--kit-pe-color-danger);border-radius:var(--kit-pe-border-radius);',
    'color:var(--kit-pe-color-danger)}',
    '.kit-pe[aria-busy="true"] .kit-pe__options{opacity:.6;pointer-events:none}',
    /* Tabs layout: the same radio group, drawn as tiles; the selected form sits below them. */
    '.kit-pe--tabs .kit-pe__options{flex-direction:row;flex-wrap:wrap;gap:calc(var(--kit-pe-spacing-unit)*3);border:0;box-shadow:none;background:transparent}',
    '.kit-pe--tabs .kit-pe__option{flex:1 1 130px;max-width:220px;border:1px solid var(--kit-pe-border);border-radius:var(--kit-pe-border-radius);',
    'background:var(--kit-pe-color-background);box-shadow:var(--kit-pe-shadow)}',
    '.kit-pe--tabs .kit-pe__option.is-selected{border-color:var(--kit-pe-color-primary);box-shadow:0 0 0 1px var(--kit-pe-color-primary)}',
    '.kit-pe--tabs .kit-pe__header{flex-wrap:wrap;gap:4px 8px;padding:10px 12px}',
    '.kit-pe--tabs .kit-pe__radio{position:absolute;opacity:0;width:1px;height:1px}',
    '.kit-pe--tabs .kit-pe__option:focus-within{box-shadow:var(--kit-pe-ring)}',
    '.kit-pe--tabs .kit-pe__label{flex-basis:100%}',
    /* ...but saved methods stay full-width rows above the tiles, as in Stripe's tabs layout. */
    '.kit-pe--tabs .kit-pe__option--saved{flex-basis:100%;max-width:none}',
    '.kit-pe--tabs .kit-pe__option--saved .kit-pe__header{flex-wrap:nowrap;gap:12px;padding:12px 16px}',
    '.kit-pe--tabs .kit-pe__option--saved .kit-pe__label{flex-basis:auto}',
    '.kit-pe--tabs .kit-pe__option--saved .kit-pe__radio{position:static;opacity:1;width:16px;height:16px}',
    '.kit-pe--tabs .kit-pe__panel{margin-top:calc(var(--kit-pe-spacing-unit)*4)}',
    '.kit-pe--tabs .kit-pe__body{padding:0}',
    /* Loading skeleton. */
    '.kit-pe__skeleton{display:grid;gap:12px}',
    '.kit-pe__skeleton span{display:block;height:44px;border-radius:var(--kit-pe-border-radius);',
    'background:linear-gradient(90deg,var(--kit-pe-border) 25%,color-mix(in srgb,var(--kit-pe-border) 40%,transparent) 50%,var(--kit-pe-border) 75%);',
    'background-size:200% 100%;animation:kit-pe-shimmer 1.2s infinite linear}',
    '@keyframes kit-pe-shimmer{from{background-position:200% 0}to{background-position:-200% 0}}',
    /* Elements the stand-in does not draw yet. */
    '.kit-pe-placeholder{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;font-size:14px;',
    'color:#6d6e78;border:1px dashed #c0c0c8;border-radius:5px;padding:12px;margin:4px 0}',
    /* The 3-D Secure test modal. */
    '.kit-pe-challenge__overlay{position:fixed;inset:0;z-index:2147483000;display:grid;place-items:center;background:rgba(48,49,61,.55)}',
    '.kit-pe-challenge{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#30313d;background:#fff;',
    'border-radius:8px;padding:24px;max-width:380px;box-shadow:0 12px 40px rgba(0,0,0,.25)}',
    '.kit-pe-challenge h2{font-size:18px;margin:0 0 8px}',
    '.kit-pe-challenge p{font-size:14px;line-height:1.5;margin:0 0 16px}',
    '.kit-pe-challenge__buttons{display:flex;gap:8px}',
    '.kit-pe-challenge button{font:inherit;font-size:14px;font-weight:600;padding:10px 14px;border-radius:5px;cursor:pointer;border:1px solid #d5d5dc}',
    '.kit-pe-challenge__complete{background:#0570de;color:#fff;border-color:#0570de!important}',
    '.kit-pe-challenge__fail{background:#fff;color:#30313d}',
    '.kit-pe-challenge button:focus-visible{outline:3px solid rgba(5,112,222,.4);outline-offset:2px}',
    '.kit-pe-sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
  ].join('\n');

  function injectStyles() {
    if (document.getElementById('kit-stripe-standin-style')) return;
    var style = document.createElement('style');
    style.id = 'kit-stripe-standin-style';
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  /* ==================================================================================== *
   * 4. Element events: on / off / once, with Stripe's event names and payloads
   * ==================================================================================== */

  function Emitter() { this._handlers = {}; }
  Emitter.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };
  Emitter.prototype.off = function (event, handler) {
    if (!handler) delete this._handlers[event];
    else this._handlers[event] = (this._handlers[event] || []).filter(function (h2) { return h2 !== handler; });
    return this;
  };
  Emitter.prototype.once = function (event, handler) {
    var self = this;
    function wrapper(payload) { self.off(event, wrapper); handler(payload); }
    return this.on(event, wrapper);
  };
  Emitter.prototype._emit = function (event, payload) {
    (this._handlers[event] || []).slice().forEach(function (handler) {
      try { handler(payload); } catch (err) { setTimeout(function () { throw err; }); }
    });
  };

  function resolveMountTarget(target) {
    if (target && target.nodeType === 1) return target;
    if (typeof target === 'string') {
      var node = document.querySelector(target);
      if (node) return node;
      throw integrationError(
        'The selector you specified (' + target + ') applies to no DOM elements that are currently ' +
        'on the page. Make sure the element exists on the page before calling mount().'
      );
    }
    throw integrationError('Invalid DOM element. Make sure to call mount() with a valid DOM element or selector.');
  }

  /* ==================================================================================== *
   * 5. The Payment Element
   * ==================================================================================== */

  /**
   * The new payment methods the stand-in can collect, in the order the Payment Element lists
   * them. Which ones appear depends on the PaymentIntent's `payment_method_types`.
   */
  var NEW_METHODS = {
    card: { label: 'Card', icon: ICONS.card, build: buildCardForm },
    us_bank_account: { label: 'US bank account', icon: ICONS.bank, build: buildUsBankAccountForm },
    sepa_debit: { label: 'SEPA Debit', icon: ICONS.bank, build: buildSepaDebitForm },
    ideal: { label: 'iDEAL', icon: ICONS.bank, build: buildIdealForm, redirect: true },
    bancontact: { label: 'Bancontact', icon: ICONS.bank, build: buildBancontactForm, redirect: true },
  };

  /**
   * Saved types the Payment Element can show again (docs: "existing customers"). The docs list
   * still names Sofort, which Stripe discontinued on 31 March 2025: a Sofort method saved
   * before then can be shown, but Sofort is no longer offered as a new payment method above.
   */
  var REDISPLAYABLE = ['card', 'link', 'us_bank_account', 'acss_debit', 'sepa_debit', 'bacs_debit',
    'au_becs_debit', 'nz_bank_account', 'ideal', 'sofort', 'bancontact'];

  /**
   * One payment method's form: labelled inputs, each with a check from CHECKS, shown the way
   * Stripe shows them (after the customer leaves a field they typed in, or after a submit).
   */
  function MethodForm(element, type) {
    this.element = element;
    this.type = type;
    this.fields = {};      // key -> {input, error, label, wrapper, control}
    this.order = [];       // checked keys, in the order they appear
    this.touched = {};     // fields the customer has left at least once
    this.submitted = false; // has the customer tried to pay? then show every message
    this.saveBox = null;
    this.node = null;
  }

  MethodForm.prototype.now = function () { return this.element._group._stripe._now(); };
  MethodForm.prototype.value = function (key) {
    return this.fields[key] ? this.fields[key].input.value : '';
  };

  /** Add a labelled input. `options.format(input, event)` tidies what the customer types and
   *  returns true when the value is complete (its message may show straight away). */
  MethodForm.prototype.field = function (key, label, attrs, options) {
    options = options || {};
    var self = this;
    var id = uniqueId(key);
    var errorId = id + '-error';
    var input = h('input', Object.assign({
      id: id, class: 'kit-pe__input', type: 'text', 'aria-invalid': 'false', 'aria-describedby': errorId,
      oninput: function (event) {
        if (options.format && options.format(input, event)) self.touched[key] = true;
        self.refresh(false);
        self.element._emitChange();
      },
      onblur: function () { self.touched[key] = true; self.refresh(false); },
    }, attrs));
    var labelNode = h('label', { for: id }, label);
    var control = h('div', { class: 'kit-pe__control' }, input);
    var error = h('div', { class: 'kit-pe__error', id: errorId, 'aria-live': 'polite' });
    var wrapper = h('div', { class: 'kit-pe__field' + (options.full ? ' kit-pe__field--full' : '') },
      labelNode, control, error);
    this.fields[key] = { input: input, error: error, label: labelNode, wrapper: wrapper, control: control };
    this.order.push(key);
    return wrapper;
  };

  /** The "save for future purchases" box, when the CustomerSession enables it. */
  MethodForm.prototype.saveCheckbox = function () {
    if (this.element._features().payment_method_save !== 'enabled') return null;
    var element = this.element;
    this.saveBox = h('input', { type: 'checkbox', onchange: function () { element._emitChange(); } });
    return h('label', { class: 'kit-pe__save kit-pe__field--full' }, this.saveBox,
      'Save payment details for future purchases');
  };

  /** Lay the children out on the two-column grid; the form is a group named after its type. */
  MethodForm.prototype.finish = function (children, name) {
    var grid = h('div', { class: 'kit-pe__grid' });
    grid.replaceChildren.apply(grid, children.filter(Boolean));
    this.node = h('div', { class: 'kit-pe__body', role: 'group', 'aria-label': name }, grid);
    return this;
  };

  /** {key: {code, message}} for every field with a problem. */
  MethodForm.prototype.problems = function () {
    var problems = {};
    var self = this;
    this.order.forEach(function (key) {
      if (self.fields[key].wrapper.hidden) return;
      var found = CHECKS[key](self.value(key), self);
      if (found) problems[key] = found;
    });
    return problems;
  };

  MethodForm.prototype.refresh = function (all) {
    if (all) this.submitted = true;
    var problems = this.problems();
    var self = this;
    this.order.forEach(function (key) {
      var field = self.fields[key];
      var show = Boolean(problems[key] &&
        (self.submitted || (self.touched[key] && field.input.value !== '')));
      field.error.textContent = show ? tr(problems[key].message, self.element._group._locale()) : '';
      field.input.setAttribute('aria-invalid', show ? 'true' : 'false');
    });
    return problems;
  };

  MethodForm.prototype.empty = function () {
    var self = this;
    return this.order.every(function (key) { return self.value(key) === ''; });
  };

  MethodForm.prototype.complete = function () {
    return Object.keys(this.problems()).length === 0;
  };

  /** Stripe's validation_error for the first field with a problem (focused), or null. */
  MethodForm.prototype.validate = function () {
    var problems = this.refresh(true);
    var first = this.order.filter(function (key) { return problems[key]; })[0];
    if (!first) return null;
    this.fields[first].input.focus();
    return { type: 'validation_error', code: problems[first].code,
      message: tr(problems[first].message, this.element._group._locale()) };
  };

  MethodForm.prototype.clear = function () {
    var self = this;
    this.order.forEach(function (key) { self.fields[key].input.value = ''; });
    this.touched = {};
    this.submitted = false;
    this.refresh(false);
  };

  /** Card: number, expiry, security code, country and (for some countries) postal code. */
  function buildCardForm(element) {
    var form = new MethodForm(element, 'card');
    var brandIcons = h('span', { class: 'kit-pe__brands' });
    function showBrand(brand) {
      var shown = brand === 'unknown' ? ['visa', 'mastercard', 'amex', 'discover'] : [ICONS[brand] ? brand : 'card'];
      brandIcons.replaceChildren.apply(brandIcons, shown.map(function (b) { return svg(ICONS[b]); }));
    }

    var number = form.field('number', 'Card number', {
      inputmode: 'numeric', autocomplete: 'cc-number', placeholder: '1234 1234 1234 1234',
      class: 'kit-pe__input kit-pe__input--number', maxlength: 23,
    }, {
      full: true,
      format: function (input) {
        var digits = input.value.replace(/\D/g, '');
        var brand = brandOf(digits);
        digits = digits.slice(0, brand.length);
        input.value = formatCardNumber(digits);
        showBrand(digits ? brand.brand : 'unknown');
        return digits.length >= brand.length; // a complete but wrong number shows its error at once
      },
    });
    form.fields.number.control.appendChild(brandIcons);
    showBrand('unknown');

    var expiry = form.field('expiry', 'Expiration date', {
      inputmode: 'numeric', autocomplete: 'cc-exp', placeholder: 'MM / YY', maxlength: 7,
    }, {
      format: function (input, event) {
        var deleting = event && event.inputType && event.inputType.indexOf('delete') === 0;
        input.value = formatExpiry(input.value, deleting);
        return input.value.replace(/\D/g, '').length === 4;
      },
    });
    var cvc = form.field('cvc', 'Security code', {
      inputmode: 'numeric', autocomplete: 'cc-csc', placeholder: 'CVC', maxlength: 4,
    }, {
      format: function (input) {
        input.value = input.value.replace(/\D/g, '').slice(0, brandOf(form.value('number').replace(/\D/g, '')).cvc);
        return false;
      },
    });

    var countryId = uniqueId('country');
    var select = h('select', {
      id: countryId, class: 'kit-pe__input', autocomplete: 'country',
      onchange: function () { updatePostal(); form.refresh(false); element._emitChange(); },
    });
    COUNTRIES.forEach(function (c) { select.appendChild(h('option', { value: c[0] }, c[1])); });
    select.value = 'US';
    form.fields.country = { input: select };
    var country = h('div', { class: 'kit-pe__field' },
      h('label', { for: countryId }, 'Country'), h('div', { class: 'kit-pe__control' }, select));

    var postal = form.field('postal', 'ZIP', { autocomplete: 'postal-code', placeholder: '12345', maxlength: 10 });
    function updatePostal() {
      var rule = POSTAL[select.value];
      form.fields.postal.wrapper.hidden = !rule;
      if (rule) {
        form.fields.postal.label.textContent = rule.label;
        form.fields.postal.input.placeholder = rule.placeholder;
      }
    }
    updatePostal();

    form.params = function () {
      var digits = form.value('expiry').replace(/\D/g, '');
      var address = { country: select.value };
      if (POSTAL[select.value]) address.postal_code = form.value('postal').trim();
      return {
        type: 'card',
        card: {
          number: form.value('number').replace(/\D/g, ''),
          exp_month: String(Number(digits.slice(0, 2))),
          exp_year: String(2000 + Number(digits.slice(2, 4))),
          cvc: form.value('cvc'),
        },
        billing_details: { address: address },
      };
    };
    return form.finish([number, expiry, cvc, country, postal, form.saveCheckbox()], 'Card details');
  }

  function mandateNote(text) {
    return h('p', { class: 'kit-pe__mandate kit-pe__field--full' }, text);
  }

  /** US bank account (ACH Direct Debit). Stripe's element offers bank login through Financial
   *  Connections, with "enter bank details manually" as the way out; offline, only the latter. */
  function buildUsBankAccountForm(element) {
    var form = new MethodForm(element, 'us_bank_account');
    function digitsOnly(max) {
      return function (input) { input.value = input.value.replace(/\D/g, '').slice(0, max); return false; };
    }
    var children = [
      form.field('name', 'Full name', { autocomplete: 'name', placeholder: 'Jenny Rosen' }, { full: true }),
      form.field('email', 'Email', { type: 'email', autocomplete: 'email', placeholder: 'you@example.com' }, { full: true }),
      form.field('routing', 'Routing number', { inputmode: 'numeric', placeholder: '110000000' },
        { full: true, format: digitsOnly(9) }),
      form.field('account', 'Account number', { inputmode: 'numeric', placeholder: '000123456789' },
        { format: digitsOnly(17) }),
      form.field('account_confirm', 'Confirm account number', { inputmode: 'numeric' }, { format: digitsOnly(17) }),
      mandateNote('By paying, you authorise this merchant to debit the bank account above for this payment ' +
        '(an ACH Direct Debit). Bank debits take days to settle: the payment stays "processing" until then.'),
      form.saveCheckbox(),
    ];
    form.params = function () {
      return {
        type: 'us_bank_account',
        us_bank_account: {
          routing_number: form.value('routing'),
          account_number: form.value('account'),
          account_holder_type: 'individual',
        },
        billing_details: { name: form.value('name').trim(), email: form.value('email').trim() },
      };
    };
    return form.finish(children, 'US bank account details');
  }

  /** SEPA Direct Debit: name, email and IBAN, and the mandate text the customer accepts. */
  function buildSepaDebitForm(element) {
    var form = new MethodForm(element, 'sepa_debit');
    var children = [
      form.field('name', 'Full name', { autocomplete: 'name', placeholder: 'Jenny Rosen' }, { full: true }),
      form.field('email', 'Email', { type: 'email', autocomplete: 'email', placeholder: 'you@example.com' }, { full: true }),
      form.field('iban', 'IBAN', { placeholder: 'DE00 0000 0000 0000 0000 00', autocomplete: 'off' }, {
        full: true,
        format: function (input) {
          var raw = input.value.replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 34);
          input.value = raw.replace(/(.{4})/g, '$1 ').trim();
          return false;
        },
      }),
      mandateNote('By providing your IBAN and confirming this payment, you authorise this merchant and ' +
        'Stripe, its payment provider, to instruct your bank to debit your account, and your bank to ' +
        'debit it accordingly (a SEPA Direct Debit mandate).'),
      form.saveCheckbox(),
    ];
    form.params = function () {
      return {
        type: 'sepa_debit',
        sepa_debit: { iban: form.value('iban').replace(/\s/g, '') },
        billing_details: { name: form.value('name').trim(), email: form.value('email').trim() },
      };
    };
    return form.finish(children, 'SEPA Direct Debit details');
  }

  /** A labelled <select>, checked like the other fields (`check` returns a problem or null). */
  MethodForm.prototype.select = function (key, label, choices, options) {
    options = options || {};
    var self = this;
    var id = uniqueId(key);
    var errorId = id + '-error';
    var input = h('select', {
      id: id, class: 'kit-pe__input', 'aria-describedby': errorId, 'aria-invalid': 'false',
      onchange: function () { self.touched[key] = true; self.refresh(false); self.element._emitChange(); },
    });
    if (options.prompt) input.appendChild(h('option', { value: '' }, options.prompt));
    choices.forEach(function (c) { input.appendChild(h('option', { value: c[0] }, c[1])); });
    if (options.value !== undefined) input.value = options.value;
    var labelNode = h('label', { for: id }, label);
    var error = h('div', { class: 'kit-pe__error', id: errorId, 'aria-live': 'polite' });
    var wrapper = h('div', { class: 'kit-pe__field' + (options.full ? ' kit-pe__field--full' : '') },
      labelNode, h('div', { class: 'kit-pe__control' }, input), error);
    this.fields[key] = { input: input, error: error, label: labelNode, wrapper: wrapper };
    this.order.push(key);
    return wrapper;
  };

  function redirectNote() {
    return h('p', { class: 'kit-pe__mandate kit-pe__field--full' },
      'After submission, you will be redirected to securely complete next steps.');
  }

  var IDEAL_BANKS = [
    ['abn_amro', 'ABN AMRO'], ['asn_bank', 'ASN Bank'], ['bunq', 'bunq'], ['ing', 'ING'],
    ['knab', 'Knab'], ['rabobank', 'Rabobank'], ['regiobank', 'RegioBank'], ['revolut', 'Revolut'],
    ['sns_bank', 'SNS Bank'], ['triodos_bank', 'Triodos Bank'], ['van_lanschot', 'Van Lanschot'],
  ];
  CHECKS.ideal_bank = function (value) {
    return value ? null : problem('incomplete_ideal_bank', 'Please select your bank.');
  };

  /** iDEAL (Netherlands): the customer picks their bank, then authorises at the bank. */
  function buildIdealForm(element) {
    var form = new MethodForm(element, 'ideal');
    var children = [
      form.select('ideal_bank', 'iDEAL Bank', IDEAL_BANKS, { full: true, prompt: 'Select bank' }),
      redirectNote(),
      form.saveCheckbox(),
    ];
    form.params = function () {
      return { type: 'ideal', ideal: { bank: form.value('ideal_bank') } };
    };
    return form.finish(children, 'iDEAL details');
  }

  /** Bancontact (Belgium): the account holder's name, then the bank's page. */
  function buildBancontactForm(element) {
    var form = new MethodForm(element, 'bancontact');
    var children = [
      form.field('name', 'Full name', { autocomplete: 'name', placeholder: 'Jenny Rosen' }, { full: true }),
      redirectNote(),
      form.saveCheckbox(),
    ];
    form.params = function () {
      return { type: 'bancontact', billing_details: { name: form.value('name').trim() } };
    };
    return form.finish(children, 'Bancontact details');
  }

  /**
   * Draws the saved payment methods of the CustomerSession's customer, then one option per
   * new payment method type, as one radio group named "Payment method". Accordion layout: rows
   * that open. Tabs layout: tiles, with the form under them. Same keyboard behaviour either way
   * (Tab into the group, arrow keys to choose).
   */
  function PaymentElement(group, options) {
    Emitter.call(this);
    this._group = group;
    this._options = options || {};
    this._root = null;
    this._container = null;
    this._session = null;
    this._loaded = null;          // promise: resolves when the element has data and is drawn
    this._selected = null;        // a saved PaymentMethod id, a new method type, or null
    this._forms = {};             // new method type -> MethodForm (built when first chosen)
    this._destroyed = false;
  }
  PaymentElement.prototype = Object.create(Emitter.prototype);

  PaymentElement.prototype._layout = function () {
    var layout = this._options.layout;
    var type = (layout && typeof layout === 'object' ? layout.type : layout) || 'tabs';
    return type === 'accordion' ? 'accordion' : 'tabs'; // 'auto' draws as tabs, like Stripe's default
  };

  PaymentElement.prototype.mount = function (target) {
    if (this._destroyed) throw integrationError('This Element has already been destroyed. Please create a new one.');
    if (this._container) throw integrationError('This Element is already mounted. Use `unmount()` first.');
    var container = resolveMountTarget(target);
    injectStyles();
    this._container = container;
    if (!this._root) {
      this._root = h('div', {
        class: 'kit-pe kit-pe--' + this._layout(),
        'data-kit-standin': 'payment',
        'data-elementtype': 'payment',
        onfocusin: this._onFocusIn.bind(this),
        onfocusout: this._onFocusOut.bind(this),
        onkeydown: this._onKeyDown.bind(this),
      });
      applyAppearance(this._root, this._group._options.appearance);
      this._showSkeleton();
      this._loaded = this._load();
    }
    container.appendChild(this._root);
    return this;
  };

  PaymentElement.prototype.unmount = function () {
    if (this._root && this._root.parentNode) this._root.parentNode.removeChild(this._root);
    this._container = null;
    return this;
  };

  PaymentElement.prototype.destroy = function () {
    this.unmount();
    this._destroyed = true;
    this._handlers = {};
    this._group._forget(this);
  };

  PaymentElement.prototype.update = function (options) {
    Object.assign(this._options, options || {});
    if (this._root && this._session) {
      this._root.className = 'kit-pe kit-pe--' + this._layout();
      applyAppearance(this._root, this._group._options.appearance);
      this._draw();
    }
    return this;
  };

  PaymentElement.prototype.focus = function () {
    var radio = this._root && this._root.querySelector('.kit-pe__radio:checked, .kit-pe__radio');
    if (radio) radio.focus();
    return this;
  };
  PaymentElement.prototype.blur = function () {
    if (this._root && this._root.contains(document.activeElement)) document.activeElement.blur();
    return this;
  };
  PaymentElement.prototype.clear = function () {
    var forms = this._forms;
    Object.keys(forms).forEach(function (type) { forms[type].clear(); });
    this._emitChange();
    return this;
  };
  PaymentElement.prototype.collapse = function () {
    this._select(null, true);
    return this;
  };

  PaymentElement.prototype._showSkeleton = function () {
    this._root.replaceChildren(localize(
      h('div', { class: 'kit-pe__skeleton', role: 'status', 'aria-label': 'Loading payment methods' },
        h('span'), h('span'), h('span')), this._group._locale())
    );
  };

  /** Ask the API for what to show: GET /v1/elements/sessions (a private Stripe.js endpoint). */
  PaymentElement.prototype._load = async function () {
    var result = await this._group._fetchSession();
    if (this._destroyed) return;
    if (result.error) {
      this._root.replaceChildren(
        h('div', { class: 'kit-pe__alert', role: 'alert' },
          'The payment form could not load: ' + result.error.message)
      );
      this._loadError = result.error;
      this._emit('loaderror', { elementType: 'payment', error: result.error });
      return;
    }
    this._session = result.data;
    var layout = this._options.layout;
    var collapsed = layout && typeof layout === 'object' && layout.defaultCollapsed;
    var saved = this._savedMethods();
    this._selected = collapsed ? null : (saved.length ? saved[0].id : this._newTypes()[0]);
    this._draw();
    this._emit('ready', { elementType: 'payment' });
    this._emitChange();
  };

  PaymentElement.prototype._features = function () {
    return (this._session && this._session.customer_session && this._session.customer_session.features) || {};
  };

  PaymentElement.prototype._savedMethods = function () {
    var customer = this._session && this._session.customer;
    var features = this._features();
    if (!customer || features.payment_method_redisplay !== 'enabled') return [];
    // The API already applies the CustomerSession's rules; the element checks them again, as
    // Stripe's does: redisplayable types the intent accepts, allowed by the filters, capped.
    var types = (this._session && this._session.payment_method_types) || ['card'];
    var filters = features.payment_method_allow_redisplay_filters || ['always'];
    var limit = Math.min(features.payment_method_redisplay_limit || 3, 10);
    var removed = this._removed || {};
    return (customer.payment_methods || []).filter(function (pm) {
      return REDISPLAYABLE.indexOf(pm.type) !== -1 && types.indexOf(pm.type) !== -1 &&
        filters.indexOf(pm.allow_redisplay || 'unspecified') !== -1 && !removed[pm.id];
    }).slice(0, limit);
  };

  /** New method types to offer: the intent's types that the stand-in can collect. */
  PaymentElement.prototype._newTypes = function () {
    var types = (this._session && this._session.payment_method_types) || ['card'];
    var offered = Object.keys(NEW_METHODS).filter(function (type) { return types.indexOf(type) !== -1; });
    // paymentMethodOrder: the types you list come first, in your order; the rest keep theirs.
    var order = Array.isArray(this._options.paymentMethodOrder) ? this._options.paymentMethodOrder : [];
    var first = order.filter(function (type, i) { return offered.indexOf(type) !== -1 && order.indexOf(type) === i; });
    return first.concat(offered.filter(function (type) { return first.indexOf(type) === -1; }));
  };

  /** defaultValues.billingDetails: prefill what the form collects (name, email, country, ZIP). */
  PaymentElement.prototype._prefill = function (form) {
    var billing = (this._options.defaultValues && this._options.defaultValues.billingDetails) || {};
    var address = billing.address || {};
    var values = { name: billing.name, email: billing.email, country: address.country, postal: address.postal_code };
    Object.keys(values).forEach(function (key) {
      var field = form.fields[key];
      if (!field || values[key] === undefined || values[key] === null) return;
      field.input.value = String(values[key]);
      field.input.dispatchEvent(new Event('change'));
    });
    form.refresh(false);
  };

  PaymentElement.prototype._form = function (type) {
    if (!this._forms[type]) {
      this._forms[type] = NEW_METHODS[type].build(this);
      this._prefill(this._forms[type]);
      localize(this._forms[type].node, this._group._locale());
    }
    return this._forms[type];
  };

  /** (Re)draw the whole element from the session data and the current selection. */
  PaymentElement.prototype._draw = function () {
    var self = this;
    var name = uniqueId('method');
    var defaultPm = this._session.customer && this._session.customer.default_payment_method;
    var options = this._savedMethods().map(function (pm) {
      var about = describeSavedMethod(pm);
      return { value: pm.id, label: about.label, extra: about.extra, icon: about.icon, isDefault: pm.id === defaultPm };
    });
    this._newTypes().forEach(function (type) {
      options.push({ value: type, label: NEW_METHODS[type].label, extra: '', icon: NEW_METHODS[type].icon });
    });

    var group = h('div', { class: 'kit-pe__options', role: 'radiogroup', 'aria-label': 'Payment method' });
    this._optionNodes = {};
    options.forEach(function (option) {
      var labelId = uniqueId('label');
      var extraId = option.extra ? uniqueId('extra') : null;
      var radio = h('input', {
        type: 'radio', class: 'kit-pe__radio', name: name, value: option.value,
        'aria-labelledby': labelId, 'aria-describedby': extraId,
        onchange: function () { self._select(option.value, true); },
      });
      var header = h('label', { class: 'kit-pe__header' },
        radio,
        svg(option.icon),
        h('span', { class: 'kit-pe__label', id: labelId }, option.label),
        option.isDefault ? h('span', { class: 'kit-pe__badge' }, 'Default') : null,
        option.extra ? h('span', { class: 'kit-pe__extra', id: extraId }, option.extra) : null);
      var saved = !NEW_METHODS[option.value];
      var row = header;
      if (saved && self._features().payment_method_remove === 'enabled') {
        row = h('div', { class: 'kit-pe__row' }, header,
          h('button', { type: 'button', class: 'kit-pe__remove', 'aria-label': 'Remove ' + option.label,
            onclick: function () { self._askRemove(option.value, option.label); } }, 'Remove'));
      }
      var node = h('div', { class: 'kit-pe__option' + (saved ? ' kit-pe__option--saved' : ''), 'data-value': option.value }, row);
      self._optionNodes[option.value] = { node: node, radio: radio };
      group.appendChild(node);
    });
    this._panel = h('div', { class: 'kit-pe__panel' });
    this._root.replaceChildren(
      group,
      this._panel,
      this._group._isSetup()
        ? h('p', { class: 'kit-pe__notice kit-pe__notice--setup', 'data-kit-setup': 'true' },
          'Your payment details are saved for future payments; nothing is charged now. ' +
          'Offline stand-in for Stripe.js: test data only.')
        : h('p', { class: 'kit-pe__notice' }, 'Offline stand-in for Stripe.js: test data only, no real payment is made.')
    );
    localize(group, this._group._locale());
    localize(this._root.lastChild, this._group._locale());
    this._select(this._selected, false);
  };

  /** The remove control (CustomerSession `payment_method_remove: 'enabled'`): ask first, then
   *  detach the method from the customer through the API, as Stripe's element does. */
  PaymentElement.prototype._askRemove = function (pmId, label) {
    var self = this;
    var entry = this._optionNodes[pmId];
    if (!entry || entry.node.querySelector('.kit-pe__confirm')) return;
    var titleId = uniqueId('remove');
    var message = h('div', { class: 'kit-pe__error', role: 'alert' });
    var cancel = h('button', { type: 'button', class: 'kit-pe__button', onclick: function () {
      box.remove(); entry.node.querySelector('.kit-pe__remove').focus();
    } }, 'Cancel');
    var confirm = h('button', { type: 'button', class: 'kit-pe__button kit-pe__button--danger', onclick: async function () {
      confirm.disabled = true; cancel.disabled = true;
      var pm = self._savedMethods().filter(function (p) { return p.id === pmId; })[0];
      var result = await self._group._removeSavedMethod(pmId);
      if (result.error) {
        message.textContent = result.error.message;
        confirm.disabled = false; cancel.disabled = false;
        self._emit('savedpaymentmethodremove', { elementType: 'payment', success: false, error: result.error, payment_method: pm });
        return;
      }
      self._removed = self._removed || {};
      self._removed[pmId] = true;
      if (self._selected === pmId) {
        var rest = self._savedMethods();
        self._selected = rest.length ? rest[0].id : self._newTypes()[0];
      }
      self._draw();
      self._emit('savedpaymentmethodremove', { elementType: 'payment', success: true, payment_method: result.data || pm });
      self._emitChange();
    } }, 'Remove');
    var box = h('div', { class: 'kit-pe__confirm', role: 'group', 'aria-labelledby': titleId },
      h('p', { id: titleId }, 'Remove ' + label + '? You can add it again later.'),
      h('div', { class: 'kit-pe__buttons' }, confirm, cancel), message);
    entry.node.appendChild(box);
    localize(box, this._group._locale());
    confirm.focus();
  };

  /** Select an option: check its radio, open its form, and tell listeners with `change`. */
  PaymentElement.prototype._select = function (value, emit) {
    this._selected = value;
    var nodes = this._optionNodes || {};
    Object.keys(nodes).forEach(function (key) {
      var on = key === value;
      nodes[key].node.classList.toggle('is-selected', on);
      nodes[key].radio.checked = on;
    });
    var forms = this._forms;
    Object.keys(forms).forEach(function (type) { forms[type].node.hidden = type !== value; });
    if (NEW_METHODS[value] && nodes[value]) {
      var form = this._form(value);
      form.node.hidden = false;
      // Accordion: the form opens inside its row. Tabs: it sits below the tiles.
      (this._layout() === 'accordion' ? nodes[value].node : this._panel).appendChild(form.node);
    }
    if (emit) this._emitChange();
  };

  /** The `change` payload, as documented for the Payment Element. */
  PaymentElement.prototype._value = function () {
    var selected = this._selected;
    if (selected === null) {
      return { elementType: 'payment', empty: true, complete: false, collapsed: true, value: { type: null } };
    }
    if (!NEW_METHODS[selected]) {
      var pm = this._savedMethods().filter(function (p) { return p.id === selected; })[0];
      return {
        elementType: 'payment', empty: false, complete: true, collapsed: false,
        value: { type: pm.type, payment_method: { id: pm.id, type: pm.type, billing_details: pm.billing_details || {} } },
      };
    }
    var form = this._form(selected);
    var payload = {
      elementType: 'payment', empty: form.empty(), complete: form.complete(), collapsed: false,
      value: { type: selected },
    };
    if (form.saveBox) payload.value.savePaymentMethod = form.saveBox.checked;
    return payload;
  };

  PaymentElement.prototype._emitChange = function () {
    if (this._session) this._emit('change', this._value());
  };

  PaymentElement.prototype._onFocusIn = function (event) {
    if (!event.relatedTarget || !this._root.contains(event.relatedTarget)) this._emit('focus', { elementType: 'payment' });
  };
  PaymentElement.prototype._onFocusOut = function (event) {
    if (!event.relatedTarget || !this._root.contains(event.relatedTarget)) this._emit('blur', { elementType: 'payment' });
  };
  PaymentElement.prototype._onKeyDown = function (event) {
    if (event.key === 'Escape') this._emit('escape', { elementType: 'payment' });
  };

  /** What elements.submit() checks: a choice is made and, for a new method, every field is
   *  valid. Returns null or Stripe's validation_error. */
  PaymentElement.prototype._validate = function () {
    if (this._loadError) return this._loadError;
    if (this._selected === null) {
      return { type: 'validation_error', code: 'incomplete',
        message: tr('Please select a payment method.', this._group._locale()) };
    }
    if (!NEW_METHODS[this._selected]) return null;
    return this._form(this._selected).validate();
  };

  /** What confirmPayment needs: a saved PaymentMethod id, or what to create. */
  PaymentElement.prototype._paymentMethodChoice = function () {
    if (!NEW_METHODS[this._selected]) return { paymentMethod: this._selected };
    var form = this._form(this._selected);
    return { create: form.params(), save: Boolean(form.saveBox && form.saveBox.checked) };
  };

  PaymentElement.prototype._setBusy = function (busy) {
    if (!this._root) return;
    this._root.setAttribute('aria-busy', busy ? 'true' : 'false');
    this._root.querySelectorAll('input, select').forEach(function (node) { node.disabled = busy; });
  };

  /* ------------------------------------------------------------------------------------ *
   * Elements the stand-in does not draw yet: a clear placeholder, never an exception.
   * ------------------------------------------------------------------------------------ */
  var PLACEHOLDER_NAMES = {
    linkAuthentication: 'Link Authentication Element',
    address: 'Address Element',
    expressCheckout: 'Express Checkout Element',
    card: 'Card Element',
  };

  function PlaceholderElement(group, type, options) {
    Emitter.call(this);
    this._group = group;
    this._type = type;
    this._options = options || {};
    this._root = null;
  }
  PlaceholderElement.prototype = Object.create(Emitter.prototype);
  PlaceholderElement.prototype.mount = function (target) {
    var container = resolveMountTarget(target);
    injectStyles();
    var name = PLACEHOLDER_NAMES[this._type] || ("'" + this._type + "' Element");
    this._root = h('div', { class: 'kit-pe-placeholder', role: 'note', 'data-kit-standin': this._type },
      name + ': not drawn by the offline Stripe.js stand-in. Switch the kit to Stripe test mode to see the real one.');
    container.appendChild(this._root);
    var self = this;
    setTimeout(function () { self._emit('ready', { elementType: self._type }); });
    return this;
  };
  PlaceholderElement.prototype.unmount = function () {
    if (this._root && this._root.parentNode) this._root.parentNode.removeChild(this._root);
    return this;
  };
  PlaceholderElement.prototype.destroy = function () { this.unmount(); this._group._forget(this); };
  PlaceholderElement.prototype.update = function () { return this; };
  PlaceholderElement.prototype.focus = function () { return this; };
  PlaceholderElement.prototype.blur = function () { return this; };
  PlaceholderElement.prototype.clear = function () { return this; };

  /* ==================================================================================== *
   * 6. The Elements group: stripe.elements({clientSecret, customerSessionClientSecret, ...})
   * ==================================================================================== */

  function Elements(stripe, options) {
    this._stripe = stripe;
    this._options = Object.assign({}, options || {});
    this._elements = {};
    this._session = null;
  }

  /** One GET /v1/elements/sessions per group, shared by its elements. */
  Elements.prototype._fetchSession = function () {
    if (!this._session) {
      var params = { client_secret: this._options.clientSecret };
      if (this._options.customerSessionClientSecret) {
        params.customer_session_client_secret = this._options.customerSessionClientSecret;
      }
      this._session = this._stripe._api('GET', '/v1/elements/sessions', params);
    }
    return this._session;
  };

  /** Setup mode: the group saves a payment method for later (a SetupIntent's client secret,
   *  or `mode: 'setup'`); no payment is made, no amount is shown. */
  Elements.prototype._isSetup = function () {
    return /^seti_/.test(String(this._options.clientSecret || '')) || this._options.mode === 'setup';
  };

  Elements.prototype._locale = function () {
    var locale = String(this._options.locale || 'auto');
    if (locale === 'auto' && typeof navigator !== 'undefined') locale = navigator.language || 'en';
    return locale.slice(0, 2).toLowerCase() === 'fr' ? 'fr' : 'en';
  };

  /** Remove a saved method with the CustomerSession's secret (Stripe.js uses a private
   *  endpoint for this; the emulator's is `POST /v1/elements/sessions/payment_methods/{id}/detach`). */
  Elements.prototype._removeSavedMethod = function (pmId) {
    var params = { client_secret: this._options.clientSecret };
    if (this._options.customerSessionClientSecret) {
      params.customer_session_client_secret = this._options.customerSessionClientSecret;
    }
    return this._stripe._api('POST', '/v1/elements/sessions/payment_methods/' + pmId + '/detach', params);
  };

  Elements.prototype.create = function (type, options) {
    if (this._elements[type]) {
      throw integrationError('Can only create one Element of type ' + type + '.');
    }
    var element = type === 'payment'
      ? new PaymentElement(this, options)
      : new PlaceholderElement(this, type, options);
    this._elements[type] = element;
    return element;
  };

  Elements.prototype.getElement = function (type) {
    return this._elements[type] || null;
  };

  Elements.prototype._forget = function (element) {
    var self = this;
    Object.keys(this._elements).forEach(function (type) {
      if (self._elements[type] === element) delete self._elements[type];
    });
  };

  Elements.prototype.update = function (options) {
    var before = this._locale();
    Object.assign(this._options, options || {});
    var payment = this._elements.payment;
    if (payment && payment._root) applyAppearance(payment._root, this._options.appearance);
    if (payment && payment._session && this._locale() !== before) {
      payment._forms = {};
      payment._draw();
    }
    return this;
  };

  /** Ask the API again (for example after the server changed the customer's saved methods). */
  Elements.prototype.fetchUpdates = async function () {
    this._session = null;
    var result = await this._fetchSession();
    var payment = this._elements.payment;
    if (!result.error && payment && payment._root) {
      payment._session = result.data;
      payment._draw();
    }
    return result.error ? { error: result.error } : {};
  };

  /** Validate the form before you do anything else (for example call your server). */
  Elements.prototype.submit = async function () {
    var payment = this._elements.payment;
    if (!payment || !payment._loaded) {
      throw integrationError('elements.submit(): the Payment Element must be mounted before submit is called.');
    }
    await payment._loaded;
    var error = payment._validate();
    return error ? { error: error } : {};
  };

  /* ==================================================================================== *
   * 7. The Stripe object: Stripe(publishableKey) and its methods
   * ==================================================================================== */

  /**
   * create(transport, host?) returns a `Stripe` function. `host` may override:
   *   navigate(url): how a redirect happens (default `window.location.assign`)
   *   inlineRedirects: true to draw the emulator's test bank page (iDEAL, Bancontact)
   *     inside the element instead of leaving the page; then navigate(return_url) follows
   *   now(): the current date, for expiry checks (default `new Date()`)
   */
  function create(transport, host) {
    host = host || {};
    if (typeof transport !== 'function') throw integrationError('KitStripeStandin.create(transport): transport must be a function.');

    return function Stripe(publishableKey, options) {
      if (typeof publishableKey !== 'string' || publishableKey === '') {
        throw integrationError('Please call Stripe() with your publishable key. You used an empty string.');
      }
      if (/^(sk|rk)_/.test(publishableKey)) {
        throw integrationError('You should not use your secret key with Stripe.js. Please pass a publishable key instead.');
      }
      return new StripeInstance(publishableKey, options || {}, transport, host);
    };
  }

  function StripeInstance(publishableKey, options, transport, host) {
    this._key = publishableKey;
    this._options = options;
    this._transport = transport;
    this._host = host;
    this._standin = VERSION;
  }

  StripeInstance.prototype._now = function () {
    return this._host.now ? this._host.now() : new Date();
  };

  /** One API call. Resolves {data} or {error} (Stripe's error object); never rejects. */
  StripeInstance.prototype._api = async function (method, path, params) {
    var response;
    try {
      response = await this._transport(method, path, params);
    } catch (err) {
      return { error: { type: 'api_connection_error', message: 'Could not reach the Stripe API: ' + ((err && err.message) || err) } };
    }
    if (response && response.status >= 200 && response.status < 300) return { data: response.body };
    var error = response && response.body && response.body.error;
    return { error: error || { type: 'api_error', message: 'Unexpected response (HTTP ' + (response && response.status) + ').' } };
  };

  StripeInstance.prototype.elements = function (options) {
    options = options || {};
    if (options.clientSecret) intentIdFromSecret(options.clientSecret, 'stripe.elements()', 'any');
    else if (!options.mode) {
      throw integrationError('In order to create a payment element, you must pass a clientSecret or mode when creating the Elements group.');
    }
    if (options.customerSessionClientSecret && !/^cuss_secret_/.test(options.customerSessionClientSecret)) {
      throw integrationError('Invalid value for elements(): customerSessionClientSecret should be a CustomerSession client secret (cuss_secret_...).');
    }
    return new Elements(this, options);
  };

  StripeInstance.prototype.retrievePaymentIntent = async function (clientSecret) {
    var id = intentIdFromSecret(clientSecret, 'retrievePaymentIntent');
    var result = await this._api('GET', '/v1/payment_intents/' + id, { client_secret: clientSecret });
    return result.error ? { error: result.error } : { paymentIntent: result.data };
  };

  StripeInstance.prototype.retrieveSetupIntent = async function (clientSecret) {
    var id = intentIdFromSecret(clientSecret, 'retrieveSetupIntent', 'seti');
    var result = await this._api('GET', '/v1/setup_intents/' + id, { client_secret: clientSecret });
    return result.error ? { error: result.error } : { setupIntent: result.data };
  };

  /** Create the PaymentMethod for what the customer typed: POST /v1/payment_methods.
   *  Billing details you pass in payment_method_data complete what the element collected. */
  StripeInstance.prototype._createPaymentMethod = function (choice, paymentMethodData) {
    paymentMethodData = paymentMethodData || {};
    var params = Object.assign({}, choice.create);
    var billing = Object.assign({}, paymentMethodData.billing_details || {}, params.billing_details);
    billing.address = Object.assign({}, (paymentMethodData.billing_details || {}).address || {},
      (params.billing_details || {}).address || {});
    if (!Object.keys(billing.address).length) delete billing.address;
    params.billing_details = billing;
    var allowRedisplay = choice.save ? 'always' : paymentMethodData.allow_redisplay;
    if (allowRedisplay) params.allow_redisplay = allowRedisplay;
    if (paymentMethodData.metadata) params.metadata = paymentMethodData.metadata;
    return this._api('POST', '/v1/payment_methods', params);
  };

  StripeInstance.prototype.createPaymentMethod = async function (options) {
    var elements = options && options.elements;
    var payment = elements && elements.getElement('payment');
    if (!payment) throw integrationError('stripe.createPaymentMethod(): pass the `elements` that hold a mounted Payment Element.');
    await payment._loaded;
    var invalid = payment._validate();
    if (invalid) return { error: invalid };
    var choice = payment._paymentMethodChoice();
    if (choice.paymentMethod) {
      return { error: { type: 'invalid_request_error', message: 'A saved payment method is selected; it already has an id: ' + choice.paymentMethod + '.' } };
    }
    var created = await this._createPaymentMethod(choice, options.params);
    return created.error ? { error: created.error } : { paymentMethod: created.data };
  };

  /**
   * stripe.confirmPayment({elements, clientSecret?, confirmParams: {return_url, ...}, redirect?})
   *
   * 1. validate the form (a problem resolves {error: {type: 'validation_error'}});
   * 2. new card: POST /v1/payment_methods; saved method: use its id;
   * 3. POST /v1/payment_intents/{id}/confirm with client_secret and payment_method;
   * 4. redirect 'if_required': resolve {paymentIntent}. Default 'always': go to return_url with
   *    ?payment_intent=...&payment_intent_client_secret=...&redirect_status=... added.
   * A decline resolves {error: {type: 'card_error', code, decline_code, message, payment_intent}}.
   */
  StripeInstance.prototype.confirmPayment = async function (options) {
    options = options || {};
    var elements = options.elements;
    if (!(elements instanceof Elements)) {
      throw integrationError('Invalid value for confirmPayment: elements should be an Elements group. You specified: ' + typeof elements + '.');
    }
    var redirect = options.redirect || 'always';
    if (redirect !== 'always' && redirect !== 'if_required') {
      throw integrationError('Invalid value for confirmPayment: redirect should be one of the following strings: always, if_required. You specified: ' + redirect + '.');
    }
    var confirmParams = options.confirmParams || {};
    if (redirect === 'always' && !confirmParams.return_url) {
      throw integrationError("stripe.confirmPayment(): the `confirmParams.return_url` argument is required unless passing `redirect: 'if_required'`");
    }
    var clientSecret = options.clientSecret || elements._options.clientSecret;
    var intentId = intentIdFromSecret(clientSecret, 'confirmPayment');
    var payment = elements.getElement('payment');
    if (!payment || !payment._loaded) {
      throw integrationError('Invalid value for confirmPayment: elements should have a mounted Payment Element.');
    }
    await payment._loaded;

    var invalid = payment._validate();
    if (invalid) return { error: invalid };

    payment._setBusy(true);
    try {
      var choice = payment._paymentMethodChoice();
      var paymentMethodId = choice.paymentMethod;
      if (!paymentMethodId) {
        var created = await this._createPaymentMethod(choice, confirmParams.payment_method_data);
        if (created.error) return { error: created.error };
        paymentMethodId = created.data.id;
      }
      // use_stripe_sdk: like Stripe.js, say that this page can run 3-D Secure itself.
      var params = { client_secret: clientSecret, payment_method: paymentMethodId, use_stripe_sdk: true };
      if (confirmParams.return_url) params.return_url = confirmParams.return_url;
      if (confirmParams.receipt_email) params.receipt_email = confirmParams.receipt_email;
      if (confirmParams.shipping) params.shipping = confirmParams.shipping;
      if (choice.save) params.setup_future_usage = payment._features().payment_method_save_usage || 'off_session';
      // Stripe.js also sends mandate_data (customer_acceptance online, infer_from_client) for
      // bank debits; the emulator does not take `infer_from_client` yet, so it is left out.
      if (NEW_METHODS[payment._selected] && (payment._selected === 'sepa_debit' || payment._selected === 'us_bank_account')) {
        // What Stripe.js sends for bank debits: the customer accepted the mandate online, in
        // this browser (the API fills in IP address and user agent itself).
        params.mandate_data = { customer_acceptance: { type: 'online', online: { infer_from_client: true } } };
      }
      var confirmed = await this._api('POST', '/v1/payment_intents/' + intentId + '/confirm', params);
      if (confirmed.error) {
        var locale = elements._locale();
        if (confirmed.error.type === 'card_error') {
          return { error: Object.assign({}, confirmed.error, { message: tr(confirmed.error.message, locale) }) };
        }
        return { error: confirmed.error };
      }
      var paymentIntent = confirmed.data;

      var next = paymentIntent.status === 'requires_action' ? paymentIntent.next_action : null;
      if (next && isTestAuthentication(next)) {
        // 3-D Secure: Stripe.js shows the bank's challenge in a modal over your page.
        var authenticated = await this._authenticate(paymentIntent, clientSecret, elements._locale());
        if (authenticated.error) return { error: authenticated.error };
        paymentIntent = authenticated.paymentIntent;
      } else if (next && next.type === 'redirect_to_url') {
        // A redirect method (iDEAL, Bancontact): the customer goes to their bank's page,
        // which sends them back to return_url. Always, even with redirect: 'if_required'.
        var bankPage = next.redirect_to_url.url;
        if (this._host.inlineRedirects && isTestBankPage(bankPage)) {
          // Inside a notebook the page must not go away: the test bank page is drawn in place
          // of the element, then the host shows the return page (host.navigate).
          var outcome = await showBankPage(payment, paymentIntent);
          var done = await this._api('POST', '/v1/test_helpers/kit/payment_intents/' + paymentIntent.id + '/authenticate',
            { client_secret: clientSecret, outcome: outcome });
          if (done.error && !done.error.payment_intent) { payment._draw(); return { error: done.error }; }
          var afterBank = done.error ? done.error.payment_intent : done.data;
          this._navigate(returnUrlFor(next.redirect_to_url.return_url || confirmParams.return_url, afterBank, clientSecret));
          return new Promise(function () {});
        }
        this._navigate(bankPage);
        return new Promise(function () {});
      }
      if (redirect === 'if_required') return { paymentIntent: paymentIntent };
      this._navigate(returnUrlFor(confirmParams.return_url, paymentIntent, clientSecret));
      return new Promise(function () {}); // the page is going away
    } finally {
      payment._setBusy(false);
    }
  };

  /**
   * stripe.confirmSetup({elements, clientSecret?, confirmParams: {return_url, ...}, redirect?})
   *
   * Like confirmPayment, for an Elements group made with a SetupIntent's client secret: the
   * customer's method is saved for later, nothing is charged.
   * 1. validate the form (a problem resolves {error: {type: 'validation_error'}});
   * 2. new method: POST /v1/payment_methods; saved method: use its id;
   * 3. POST /v1/setup_intents/{id}/confirm with client_secret and payment_method;
   * 4. 3-D Secure: the test challenge; a bank redirect (iDEAL, Bancontact): the bank page;
   * 5. redirect 'if_required': resolve {setupIntent}. Default 'always': go to return_url with
   *    ?setup_intent=...&setup_intent_client_secret=...&redirect_status=... added.
   * A declined card resolves {error: {type: 'card_error', code, decline_code, message, setup_intent}}.
   */
  StripeInstance.prototype.confirmSetup = async function (options) {
    options = options || {};
    var elements = options.elements;
    if (!(elements instanceof Elements)) {
      throw integrationError('Invalid value for confirmSetup: elements should be an Elements group. You specified: ' + typeof elements + '.');
    }
    var redirect = options.redirect || 'always';
    if (redirect !== 'always' && redirect !== 'if_required') {
      throw integrationError('Invalid value for confirmSetup: redirect should be one of the following strings: always, if_required. You specified: ' + redirect + '.');
    }
    var confirmParams = options.confirmParams || {};
    if (redirect === 'always' && !confirmParams.return_url) {
      throw integrationError("stripe.confirmSetup(): the `confirmParams.return_url` argument is required unless passing `redirect: 'if_required'`");
    }
    var clientSecret = options.clientSecret || elements._options.clientSecret;
    var intentId = intentIdFromSecret(clientSecret, 'confirmSetup', 'seti');
    var payment = elements.getElement('payment');
    if (!payment || !payment._loaded) {
      throw integrationError('Invalid value for confirmSetup: elements should have a mounted Payment Element.');
    }
    await payment._loaded;

    var invalid = payment._validate();
    if (invalid) return { error: invalid };

    payment._setBusy(true);
    try {
      var choice = payment._paymentMethodChoice();
      var paymentMethodId = choice.paymentMethod;
      if (!paymentMethodId) {
        var created = await this._createPaymentMethod(choice, confirmParams.payment_method_data);
        if (created.error) return { error: created.error };
        paymentMethodId = created.data.id;
      }
      var params = { client_secret: clientSecret, payment_method: paymentMethodId, use_stripe_sdk: true };
      if (confirmParams.return_url) params.return_url = confirmParams.return_url;
      if (NEW_METHODS[payment._selected] && (payment._selected === 'sepa_debit' || payment._selected === 'us_bank_account')) {
        params.mandate_data = { customer_acceptance: { type: 'online', online: { infer_from_client: true } } };
      }
      var confirmed = await this._api('POST', '/v1/setup_intents/' + intentId + '/confirm', params);
      if (confirmed.error) {
        if (confirmed.error.type === 'card_error') {
          return { error: Object.assign({}, confirmed.error, { message: tr(confirmed.error.message, elements._locale()) }) };
        }
        return { error: confirmed.error };
      }
      var setupIntent = confirmed.data;
      var next = setupIntent.status === 'requires_action' ? setupIntent.next_action : null;
      if (next && isTestAuthentication(next)) {
        var authenticated = await this._authenticate(setupIntent, clientSecret, elements._locale());
        if (authenticated.error) return { error: authenticated.error };
        setupIntent = authenticated.setupIntent;
      } else if (next && next.type === 'redirect_to_url') {
        var bankPage = next.redirect_to_url.url;
        if (this._host.inlineRedirects && isTestBankPage(bankPage)) {
          var outcome = await showBankPage(payment, setupIntent);
          var done = await this._api('POST', '/v1/test_helpers/kit/setup_intents/' + setupIntent.id + '/authenticate',
            { client_secret: clientSecret, outcome: outcome });
          if (done.error && !done.error.setup_intent) { payment._draw(); return { error: done.error }; }
          var afterBank = done.error ? done.error.setup_intent : done.data;
          this._navigate(returnUrlFor(next.redirect_to_url.return_url || confirmParams.return_url, afterBank, clientSecret));
          return new Promise(function () {});
        }
        this._navigate(bankPage);
        return new Promise(function () {});
      }
      if (redirect === 'if_required') return { setupIntent: setupIntent };
      this._navigate(returnUrlFor(confirmParams.return_url, setupIntent, clientSecret));
      return new Promise(function () {}); // the page is going away
    } finally {
      payment._setBusy(false);
    }
  };

  /** The emulator's test bank page for redirect methods: `{public_url}/kit/redirect/pa_nonce_…`. */
  function isTestBankPage(url) {
    return /\/kit\/redirect\/pa_nonce_[A-Za-z0-9]+$/.test(String(url || ''));
  }

  var METHOD_NAMES = { ideal: 'iDEAL', bancontact: 'Bancontact' };

  /**
   * The test bank page ("Authorize test payment" / "Fail test payment", as on Stripe's test
   * redirect page), drawn inside the element instead of a full-page redirect. Resolves the
   * customer's choice: 'complete' or 'fail'.
   */
  function showBankPage(payment, paymentIntent) {
    var locale = payment._group._locale();
    var type = payment._selected;
    return new Promise(function (resolve) {
      var titleId = uniqueId('bank-title');
      var amount = paymentIntent.amount !== undefined ? formatMoney(paymentIntent.amount, paymentIntent.currency, locale) : '';
      function choose(outcome) { resolve(outcome); }
      var authorize = h('button', { type: 'button', class: 'kit-pe__button kit-pe__button--primary',
        onclick: function () { choose('complete'); } }, 'Authorize test payment');
      var fail = h('button', { type: 'button', class: 'kit-pe__button', onclick: function () { choose('fail'); } },
        'Fail test payment');
      var page = h('div', { class: 'kit-pe__bank', role: 'region', 'aria-labelledby': titleId, 'data-kit-bank-page': type },
        h('span', { class: 'kit-pe__testmode' }, 'TEST MODE'),
        h('h2', { id: titleId }, (METHOD_NAMES[type] || 'Bank') + ' test payment page'),
        h('p', null, /^seti_/.test(String(paymentIntent.id || ''))
          ? 'Stripe would now send your customer to their bank to authorize saving this method for future payments. Choose how it ends.'
          : 'Stripe would now send your customer to their bank to authorize ' +
            (amount ? amount : 'this payment') + '. Choose how the test payment ends.'),
        h('div', { class: 'kit-pe__buttons' }, authorize, fail),
        h('p', { class: 'kit-pe__notice' }, 'Offline stand-in for the bank redirect: the notebook page stays where it is.'));
      payment._root.setAttribute('aria-busy', 'false');
      payment._root.replaceChildren(localize(page, locale));
      authorize.focus();
    });
  }

  /** The emulator's 3-D Secure test challenge (Stripe test mode shows a similar page). */
  function isTestAuthentication(next) {
    if (next.type === 'use_stripe_sdk') return true;
    return next.type === 'redirect_to_url' && /\/kit\/3ds\/[A-Za-z0-9_]+$/.test(next.redirect_to_url.url);
  }

  /**
   * Show the 3-D Secure test modal; the customer completes or fails the authentication, the
   * emulator records it, and the PaymentIntent comes back succeeded (or not). Resolves
   * {paymentIntent} or {error} (authentication failed, or the card declined afterwards).
   */
  StripeInstance.prototype._authenticate = async function (intent, clientSecret, locale) {
    var setup = intent.object === 'setup_intent' || /^seti_/.test(intent.id);
    var outcome = await showChallenge(intent, locale);
    var result = await this._api('POST', '/v1/test_helpers/kit/' + (setup ? 'setup_intents/' : 'payment_intents/') +
      intent.id + '/authenticate', { client_secret: clientSecret, outcome: outcome });
    if (result.error) return { error: result.error };
    var after = result.data;
    var lastError = setup ? after.last_setup_error : after.last_payment_error;
    if (after.status === 'requires_payment_method' && lastError) {
      var extra = {};
      extra[setup ? 'setup_intent' : 'payment_intent'] = after;
      return { error: Object.assign({}, lastError, extra) };
    }
    return setup ? { setupIntent: after } : { paymentIntent: after };
  };

  function showChallenge(paymentIntent, locale) {
    injectStyles();
    return new Promise(function (resolve) {
      var previous = document.activeElement;
      var titleId = uniqueId('challenge-title');
      function finish(outcome) {
        overlay.remove();
        if (previous && previous.focus) previous.focus();
        resolve(outcome);
      }
      var complete = h('button', { type: 'button', class: 'kit-pe-challenge__complete', onclick: function () { finish('complete'); } },
        'Complete authentication');
      var fail = h('button', { type: 'button', class: 'kit-pe-challenge__fail', onclick: function () { finish('fail'); } },
        'Fail authentication');
      var amount = paymentIntent.amount !== undefined ? formatMoney(paymentIntent.amount, paymentIntent.currency, locale) : '';
      var setup = /^seti_/.test(String(paymentIntent.id || ''));
      var what = setup ? 'You are saving this card for future payments (nothing is charged now)'
        : 'This is a test payment' + (amount ? ' of ' + amount : '');
      var dialog = h('div', { class: 'kit-pe-challenge', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId },
        h('h2', { id: titleId }, '3D Secure 2 test authentication'),
        h('p', null, what + '. Your bank would now ask you to confirm it is you. Choose what happens.'),
        h('div', { class: 'kit-pe-challenge__buttons' }, complete, fail),
        h('p', { class: 'kit-pe__notice' }, 'Offline stand-in for the 3D Secure test page.'));
      localize(dialog, locale);
      var overlay = h('div', {
        class: 'kit-pe-challenge__overlay',
        onkeydown: function (event) {
          if (event.key === 'Escape') finish('fail'); // closing the challenge fails it, as on Stripe
          if (event.key === 'Tab') { // keep focus inside the dialog
            event.preventDefault();
            (document.activeElement === complete ? fail : complete).focus();
          }
        },
      }, dialog);
      document.body.appendChild(overlay);
      complete.focus();
    });
  }

  StripeInstance.prototype._navigate = function (url) {
    if (this._host.navigate) this._host.navigate(url);
    else window.location.assign(url);
  };

  /** Your return_url, keeping your own query parameters, plus the three Stripe adds. */
  function returnUrlFor(returnUrl, paymentIntent, clientSecret) {
    var url = new URL(returnUrl, typeof window !== 'undefined' ? window.location.href : undefined);
    var kind = /^seti_/.test(String(paymentIntent.id || '')) ? 'setup_intent' : 'payment_intent';
    url.searchParams.set(kind, paymentIntent.id);
    url.searchParams.set(kind + '_client_secret', clientSecret);
    var status = paymentIntent && paymentIntent.status;
    url.searchParams.set('redirect_status',
      status === 'succeeded' || status === 'requires_capture' ? 'succeeded' : status === 'processing' ? 'pending' : 'failed');
    return url.toString();
  }

  return {
    create: create,
    httpTransport: httpTransport,
    version: VERSION,
    // Exposed for tests and for the curious learner.
    _internals: {
      luhnValid: luhnValid, routingValid: routingValid, ibanValid: ibanValid, brandOf: brandOf,
      formEncode: formEncode, returnUrlFor: returnUrlFor, CHECKS: CHECKS, tr: tr,
    },
  };
})();

/* Loaded with <script src=".../js.stripe.com/v3/">? Then act like Stripe.js: define window.Stripe,
 * talking to the server the script came from. Inside the widget's module `document.currentScript`
 * is null, so nothing global is installed there. */
(function installWhenServedAsScript() {
  if (typeof document === 'undefined' || typeof window === 'undefined') return;
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src, document.baseURI).origin;
  var Stripe = function Stripe(publishableKey, options) {
    var transport = KitStripeStandin.httpTransport(origin, publishableKey);
    return KitStripeStandin.create(transport)(publishableKey, options);
  };
  Stripe.version = 3;
  Stripe.standin = KitStripeStandin.version;
  window.Stripe = Stripe;
})();
