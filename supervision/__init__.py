"""Signs of Safety group supervision and case management reviews (CMR).

Areas: auth (sign-in), main (home, health), cases, sessions (the mapping).
Domain operations live in `services`, models in `models`.
"""
