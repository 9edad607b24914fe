"""What the customer is buying, and what it costs: computed here, from your own prices.

The browser never sends an amount. Anything it sent could be edited (devtools, curl), so the
server works the total out from the cart it keeps for the signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass

from .accounts import User


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    unit_amount: int  # in the currency's smallest unit: cents for usd
    currency: str


CATALOG = {product.id: product for product in (
    Product("tshirt", "Kit T-shirt", 1099, "usd"),  # the seed's 1099 usd
)}


@dataclass(frozen=True)
class Cart:
    lines: tuple[tuple[Product, int], ...]  # (product, quantity)

    @property
    def amount(self) -> int:
        return sum(product.unit_amount * quantity for product, quantity in self.lines)

    @property
    def currency(self) -> str:
        currencies = {product.currency for product, _ in self.lines}
        if len(currencies) != 1:
            raise ValueError("a cart is paid in one currency")
        return currencies.pop()


def cart_for(user: User) -> Cart:
    """The signed-in user's cart. (The demo's is always one T-shirt; yours comes from your
    database.) Prices are read from CATALOG at checkout time, never from the request."""
    return Cart(((CATALOG["tshirt"], 1),))
