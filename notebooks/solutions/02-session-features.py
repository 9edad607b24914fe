# Reference solution for 02-session-features.
features = {
    "payment_method_redisplay": "enabled",  # list her saved cards at all
    "payment_method_allow_redisplay_filters": ["always", "limited"],  # both kinds of consent
    "payment_method_redisplay_limit": 5,  # up to five of them
    "payment_method_remove": "enabled",  # a Remove control on each
    "payment_method_save": "disabled",  # no "save" box (also the default)
}
