"""Fields Stripe leaves *out* of an object when they do not apply, rather than sending null.

stripe-python 16.1 types both "may be null" and "may be absent" as `Optional[...]`; Stripe's
OpenAPI spec tells them apart (a property missing from `required` may be absent; `nullable`
may be null). This table lists, per stripe-python class (`Charge.Outcome`…), the properties that
are optional *and not nullable*: an emulator object leaves them out unless it has a value, and
never sends them as null (charge `radar_options`, `transfer`; event `account`...).

Source: the types stripe-node generates from that spec (stripe/stripe-node, src/resources/*.ts,
API 2026-07-29.dahlia, the nearest published to stripe-python 16.1's 2026-10-28.endive): a
property written `name?: T` without `| null`. Extracted once for the resources the emulator
serves; regenerate the same way when stripe-python is upgraded. UNCONFIRMED for endive where
the two versions differ.
"""

from __future__ import annotations

_TABLE: dict[str, str] = {
    "Charge": "authorization_code level3 presentment_details radar_options transfer",
    "Charge.FraudDetails": "stripe_report user_report",
    "Charge.Level3": "customer_reference shipping_address_zip shipping_amount shipping_from_zip",
    "Charge.Outcome": "risk_level risk_score rule",
        "Charge.PaymentMethodDetails": (
        "ach_credit_transfer ach_debit acss_debit affirm afterpay_clearpay alipay alma  "
        "amazon_pay au_becs_debit bacs_debit bancontact billie bizum blik boleto card  "
        "card_present cashapp crypto customer_balance eps fpx giropay grabpay ideal  "
        "interac_present kakao_pay klarna konbini kr_card link mb_way mobilepay multibanco  "
        "naver_pay nz_bank_account oxxo p24 pay_by_bank payco paynow paypal payto pix promptpay  "
        "revolut_pay samsung_pay satispay scalapay sepa_credit_transfer sepa_debit sofort  "
        "stripe_account sunbit swish twint upi us_bank_account wechat wechat_pay zip"),
    "Charge.PaymentMethodDetails.AcssDebit": "expected_debit_date mandate",
    "Charge.PaymentMethodDetails.Affirm": "location reader",
    "Charge.PaymentMethodDetails.Alipay": "buyer_id",
    "Charge.PaymentMethodDetails.Alma": "installments",
    "Charge.PaymentMethodDetails.AmazonPay": "funding",
    "Charge.PaymentMethodDetails.AmazonPay.Funding": "card",
    "Charge.PaymentMethodDetails.AuBecsDebit": "expected_debit_date mandate",
    "Charge.PaymentMethodDetails.BacsDebit": "expected_debit_date",
        "Charge.PaymentMethodDetails.Card": (
        "capture_before extended_authorization incremental_authorization multicapture  "
        "overcapture"),
    "Charge.PaymentMethodDetails.Card.ThreeDSecure": "exemption_indicator_applied",
        "Charge.PaymentMethodDetails.Card.Wallet": (
        "amex_express_checkout apple_pay google_pay link masterpass samsung_pay visa_checkout"),
    "Charge.PaymentMethodDetails.CardPresent": "capture_before location reader wallet",
    "Charge.PaymentMethodDetails.CardPresent.Receipt": "account_type",
    "Charge.PaymentMethodDetails.Crypto": "buyer_address network token_currency transaction_hash",
    "Charge.PaymentMethodDetails.InteracPresent": "location reader",
    "Charge.PaymentMethodDetails.InteracPresent.Receipt": "account_type",
    "Charge.PaymentMethodDetails.Klarna": "location reader",
    "Charge.PaymentMethodDetails.NzBankAccount": "expected_debit_date",
    "Charge.PaymentMethodDetails.Paynow": "location reader",
    "Charge.PaymentMethodDetails.Payto": "mandate",
    "Charge.PaymentMethodDetails.Pix": "mandate",
    "Charge.PaymentMethodDetails.RevolutPay": "funding",
    "Charge.PaymentMethodDetails.RevolutPay.Funding": "card",
    "Charge.PaymentMethodDetails.SepaDebit": "expected_debit_date",
    "Charge.PaymentMethodDetails.Twint": "mandate",
    "Charge.PaymentMethodDetails.UsBankAccount": "expected_debit_date mandate",
    "Charge.PaymentMethodDetails.WechatPay": "location reader",
    "Charge.RadarOptions": "session",
    "Charge.Shipping": "address name",
        "Customer": (
        "business_name deleted individual_name invoice_credit_balance next_invoice_sequence  "
        "sources subscriptions tax tax_ids"),
    "Customer.Shipping": "address name",
    "CustomerSession": "components",
    "Event": "account context",  # stripe-node's EventBase
    "Event.Data": "previous_attributes",
    "Mandate": "multi_use on_behalf_of single_use",
    "Mandate.CustomerAcceptance": "offline online",
    "Mandate.MultiUse": "amount currency",
        "Mandate.PaymentMethodDetails": (
        "acss_debit amazon_pay au_becs_debit bacs_debit card cashapp kakao_pay klarna kr_card  "
        "link naver_pay nz_bank_account paypal payto pix revolut_pay sepa_debit twint upi  "
        "us_bank_account"),
    "Mandate.PaymentMethodDetails.AcssDebit": "default_for",
        "Mandate.PaymentMethodDetails.Pix": (
        "amount_includes_iof amount_type end_date payment_schedule reference start_date"),
    "Mandate.PaymentMethodDetails.UsBankAccount": "collection_method",
        "PaymentIntent": (
        "allowed_payment_method_types amount_details hooks payment_details presentment_details"),
    "PaymentIntent.AmountDetails": "discount_amount error line_items shipping tax tip",
    "PaymentIntent.AmountDetails.Tip": "amount",
    "PaymentIntent.AutomaticPaymentMethods": "allow_redirects",
    "PaymentIntent.Hooks": "inputs",
    "PaymentIntent.Hooks.Inputs": "tax",
        "PaymentIntent.LastPaymentError": (
        "advice_code charge code decline_code doc_url message network_advice_code  "
        "network_decline_code param payment_intent payment_method payment_method_type  "
        "request_log_url setup_intent source"),
        "PaymentIntent.NextAction": (
        "alipay_handle_redirect blik_authorize boleto_display_details card_await_notification  "
        "cashapp_handle_redirect_or_display_qr_code display_bank_transfer_instructions  "
        "klarna_display_qr_code konbini_display_details multibanco_display_details  "
        "oxxo_display_details paynow_display_qr_code pix_display_qr_code  "
        "promptpay_display_qr_code redirect_to_url swish_handle_redirect_or_display_qr_code  "
        "upi_handle_redirect_or_display_qr_code use_stripe_sdk verify_with_microdeposits  "
        "wechat_pay_display_qr_code wechat_pay_redirect_to_android_app  "
        "wechat_pay_redirect_to_ios_app"),
    "PaymentIntent.NextAction.DisplayBankTransferInstructions": "financial_addresses",
        "PaymentIntent.NextAction.DisplayBankTransferInstructions.FinancialAddress": (
        "aba iban sort_code spei supported_networks swift zengin"),
    "PaymentIntent.NextAction.KonbiniDisplayDetails.Stores.Familymart": "confirmation_number",
    "PaymentIntent.NextAction.KonbiniDisplayDetails.Stores.Lawson": "confirmation_number",
    "PaymentIntent.NextAction.KonbiniDisplayDetails.Stores.Ministop": "confirmation_number",
    "PaymentIntent.NextAction.KonbiniDisplayDetails.Stores.Seicomart": "confirmation_number",
        "PaymentIntent.NextAction.PixDisplayQrCode": (
        "data expires_at hosted_instructions_url image_url_png image_url_svg"),
        "PaymentIntent.PaymentMethodOptions": (
        "acss_debit affirm afterpay_clearpay alipay alma amazon_pay au_becs_debit bacs_debit  "
        "bancontact billie bizum blik boleto card card_present cashapp crypto customer_balance  "
        "eps fpx giropay grabpay ideal interac_present kakao_pay klarna konbini kr_card link  "
        "mb_way mobilepay multibanco naver_pay nz_bank_account oxxo p24 pay_by_bank payco paynow  "
        "paypal payto pix promptpay revolut_pay samsung_pay satispay scalapay sepa_debit sofort  "
        "sunbit swish twint upi us_bank_account wechat_pay zip"),
        "PaymentIntent.PaymentMethodOptions.AcssDebit": (
        "mandate_options setup_future_usage target_date verification_method"),
    "PaymentIntent.PaymentMethodOptions.AcssDebit.MandateOptions": "custom_mandate_url",
        "PaymentIntent.PaymentMethodOptions.Affirm": (
        "capture_method preferred_locale setup_future_usage"),
    "PaymentIntent.PaymentMethodOptions.AfterpayClearpay": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Alipay": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Alma": "capture_method",
    "PaymentIntent.PaymentMethodOptions.AmazonPay": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.AuBecsDebit": "setup_future_usage target_date",
        "PaymentIntent.PaymentMethodOptions.BacsDebit": (
        "mandate_options setup_future_usage target_date"),
    "PaymentIntent.PaymentMethodOptions.BacsDebit.MandateOptions": "reference_prefix",
    "PaymentIntent.PaymentMethodOptions.Bancontact": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Billie": "capture_method",
    "PaymentIntent.PaymentMethodOptions.Blik": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Boleto": "setup_future_usage",
        "PaymentIntent.PaymentMethodOptions.Card": (
        "capture_method request_extended_authorization request_incremental_authorization  "
        "request_multicapture request_overcapture require_cvc_recollection setup_future_usage  "
        "statement_descriptor_suffix_kana statement_descriptor_suffix_kanji"),
    "PaymentIntent.PaymentMethodOptions.CardPresent": "capture_method routing",
    "PaymentIntent.PaymentMethodOptions.Cashapp": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Crypto": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.CustomerBalance": "bank_transfer setup_future_usage",
        "PaymentIntent.PaymentMethodOptions.CustomerBalance.BankTransfer": (
        "eu_bank_transfer requested_address_types"),
    "PaymentIntent.PaymentMethodOptions.Eps": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Fpx": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Giropay": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Grabpay": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Ideal": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.KakaoPay": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Klarna": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Konbini": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.KrCard": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Link": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.MbWay": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Mobilepay": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Multibanco": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.NaverPay": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.NzBankAccount": "setup_future_usage target_date",
    "PaymentIntent.PaymentMethodOptions.Oxxo": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.P24": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Payco": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Paynow": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Paypal": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Payto": "mandate_options setup_future_usage",
        "PaymentIntent.PaymentMethodOptions.Pix": (
        "amount_includes_iof mandate_options setup_future_usage"),
        "PaymentIntent.PaymentMethodOptions.Pix.MandateOptions": (
        "amount amount_includes_iof amount_type currency end_date payment_schedule reference  "
        "start_date"),
    "PaymentIntent.PaymentMethodOptions.Promptpay": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.RevolutPay": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.SamsungPay": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Satispay": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Scalapay": "capture_method",
        "PaymentIntent.PaymentMethodOptions.SepaDebit": (
        "mandate_options setup_future_usage target_date"),
    "PaymentIntent.PaymentMethodOptions.SepaDebit.MandateOptions": "reference_prefix",
    "PaymentIntent.PaymentMethodOptions.Sofort": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Sunbit": "capture_method setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Swish": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Twint": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Upi": "setup_future_usage",
        "PaymentIntent.PaymentMethodOptions.UsBankAccount": (
        "financial_connections mandate_options setup_future_usage target_date  "
        "transaction_purpose verification_method"),
        "PaymentIntent.PaymentMethodOptions.UsBankAccount.FinancialConnections": (
        "filters permissions return_url"),
        "PaymentIntent.PaymentMethodOptions.UsBankAccount.FinancialConnections.Filters": (
        "account_subcategories"),
    "PaymentIntent.PaymentMethodOptions.UsBankAccount.MandateOptions": "collection_method",
    "PaymentIntent.PaymentMethodOptions.WechatPay": "setup_future_usage",
    "PaymentIntent.PaymentMethodOptions.Zip": "setup_future_usage",
    "PaymentIntent.Processing": "card",
    "PaymentIntent.Processing.Card": "customer_notification",
    "PaymentIntent.Shipping": "address name",
    "PaymentIntent.TransferData": "amount description metadata payment_data",
    "PaymentIntent.TransferData.PaymentData": "description metadata",
        "PaymentMethod": (
        "acss_debit affirm afterpay_clearpay alipay allow_redisplay alma amazon_pay  "
        "au_becs_debit bacs_debit bancontact billie bizum blik boleto card card_present cashapp  "
        "crypto custom customer_balance eps fpx giropay grabpay ideal interac_present kakao_pay  "
        "klarna konbini kr_card link mb_way mobilepay multibanco naver_pay nz_bank_account oxxo  "
        "p24 pay_by_bank payco paynow paypal payto pix promptpay radar_options revolut_pay  "
        "samsung_pay satispay scalapay sepa_debit sofort sunbit swish twint upi us_bank_account  "
        "wechat_pay zip"),
    "PaymentMethod.Card.GeneratedFrom.PaymentMethodDetails": "card_present",
        "PaymentMethod.Card.GeneratedFrom.PaymentMethodDetails.CardPresent": (
        "capture_before location reader wallet"),
    "PaymentMethod.Card.GeneratedFrom.PaymentMethodDetails.CardPresent.Receipt": "account_type",
        "PaymentMethod.Card.Wallet": (
        "amex_express_checkout apple_pay google_pay link masterpass samsung_pay visa_checkout"),
    "PaymentMethod.CardPresent": "wallet",
    "PaymentMethod.Link": "persistent_token",
    "PaymentMethod.RadarOptions": "session",
    "PaymentMethod.UsBankAccount.StatusDetails": "blocked",
        "Refund": (
        "description destination_details failure_balance_transaction failure_reason  "
        "instructions_email next_action pending_reason presentment_details"),
        "Refund.DestinationDetails": (
        "affirm afterpay_clearpay alipay alma amazon_pay au_bank_transfer blik br_bank_transfer  "
        "card cashapp crypto customer_cash_balance eps eu_bank_transfer gb_bank_transfer giropay  "
        "grabpay jp_bank_transfer klarna mb_way multibanco mx_bank_transfer nz_bank_transfer p24  "
        "paynow paypal pix revolut scalapay sofort swish th_bank_transfer twint us_bank_transfer  "
        "wechat_pay zip"),
    "Refund.DestinationDetails.Card": "reference reference_status reference_type",
    "Refund.NextAction": "display_details",
    "SetupIntent": "allowed_payment_method_types attach_to_self",
    "SetupIntent.AutomaticPaymentMethods": "allow_redirects",
        "SetupIntent.LastSetupError": (
        "advice_code charge code decline_code doc_url message network_advice_code  "
        "network_decline_code param payment_intent payment_method payment_method_type  "
        "request_log_url setup_intent source"),
        "SetupIntent.NextAction": (
        "blik_authorize cashapp_handle_redirect_or_display_qr_code pix_display_qr_code  "
        "redirect_to_url upi_handle_redirect_or_display_qr_code use_stripe_sdk  "
        "verify_with_microdeposits"),
        "SetupIntent.PaymentMethodOptions": (
        "acss_debit amazon_pay bacs_debit bizum card card_present klarna link paypal payto pix  "
        "sepa_debit upi us_bank_account"),
    "SetupIntent.PaymentMethodOptions.AcssDebit": "mandate_options verification_method",
    "SetupIntent.PaymentMethodOptions.AcssDebit.MandateOptions": "custom_mandate_url default_for",
    "SetupIntent.PaymentMethodOptions.BacsDebit": "mandate_options",
    "SetupIntent.PaymentMethodOptions.BacsDebit.MandateOptions": "reference_prefix",
    "SetupIntent.PaymentMethodOptions.Payto": "mandate_options",
    "SetupIntent.PaymentMethodOptions.Pix": "mandate_options",
        "SetupIntent.PaymentMethodOptions.Pix.MandateOptions": (
        "amount amount_includes_iof amount_type currency end_date payment_schedule reference  "
        "start_date"),
    "SetupIntent.PaymentMethodOptions.SepaDebit": "mandate_options",
    "SetupIntent.PaymentMethodOptions.SepaDebit.MandateOptions": "reference_prefix",
    "SetupIntent.PaymentMethodOptions.Upi": "mandate_options",
        "SetupIntent.PaymentMethodOptions.UsBankAccount": (
        "financial_connections mandate_options verification_method"),
        "SetupIntent.PaymentMethodOptions.UsBankAccount.FinancialConnections": (
        "filters permissions return_url"),
        "SetupIntent.PaymentMethodOptions.UsBankAccount.FinancialConnections.Filters": (
        "account_subcategories"),
    "SetupIntent.PaymentMethodOptions.UsBankAccount.MandateOptions": "collection_method",
    "WebhookEndpoint": "deleted secret",
}

ABSENT_WHEN_UNSET: dict[str, frozenset[str]] = {
    name: frozenset(text.split()) for name, text in _TABLE.items()}
