"""The only code that does HTTP: the Picqer and PrestaShop clients and their errors.

from sync.clients import PicqerClient, PrestaShopClient, errors
"""

from . import errors
from .picqer import PicqerClient
from .prestashop import PrestaShopClient

__all__ = ["PicqerClient", "PrestaShopClient", "errors"]
