"""A small HTTP client for the sandbox control plane (used by the pytest plugin and the demo)."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from typing import Any

DEFAULT_API_KEY = "picqer-test-key-123456"
DEFAULT_WS_KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"


class SandboxServer:
    """A running sandbox: its URLs, credentials and control-plane helpers."""

    def __init__(self, base_url: str, process: subprocess.Popen | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.process = process
        self.picqer_url = f"{self.base_url}/picqer/api/v1/"
        self.prestashop_url = f"{self.base_url}/prestashop"
        self.api_key = DEFAULT_API_KEY
        self.ws_key = DEFAULT_WS_KEY

    def control(
        self, method: str, path: str, body: dict | None = None, *, timeout: float = 30
    ) -> Any:
        """Call /sandbox/<path>; raises RuntimeError with the answer on a non-2xx status."""
        data = json.dumps(body or {}).encode() if method == "POST" else None
        url = f"{self.base_url}/sandbox/{path}"
        request = urllib.request.Request(  # noqa: S310 - http only
            url,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            raise RuntimeError(f"sandbox {path}: {exc.code} {detail}") from exc

    def reset(self) -> None:
        self.control("POST", "reset")

    def seed(self, **spec: Any) -> dict:
        """products, with_combinations, orders, unknown_refs, case_variants, seed, layouts."""
        # Seeding 100,000 SKUs takes ~15 s on an idle machine, longer on a busy one.
        return self.control("POST", "seed", spec, timeout=300)

    def knobs(self, **changes: Any) -> dict:
        """Change knobs (none given: just read them); returns all knobs."""
        return self.control("POST", "knobs", changes) if changes else self.control("GET", "knobs")

    def ship_order(
        self, idorder: int, trackingcode: str | None = None, carrier: str = "PostNL"
    ) -> dict:
        return self.control(
            "POST",
            f"picqer/orders/{idorder}/ship",
            {"trackingcode": trackingcode, "carrier": carrier},
        )

    def set_stock(
        self,
        *,
        productcode: str | None = None,
        idproduct: int | None = None,
        amount: int | None = None,
        change: int | None = None,
        idwarehouse: int = 1,
    ) -> dict:
        return self.control(
            "POST",
            "picqer/stock",
            {
                "productcode": productcode,
                "idproduct": idproduct,
                "amount": amount,
                "change": change,
                "idwarehouse": idwarehouse,
            },
        )

    def place_order(
        self, lines: list[dict], current_state: int = 2, message: str = "", id_carrier: int = 1
    ) -> dict:
        """A customer checkout in the shop: lines are [{"reference", "quantity"}]."""
        return self.control(
            "POST",
            "prestashop/orders",
            {
                "lines": lines,
                "current_state": current_state,
                "message": message,
                "id_carrier": id_carrier,
            },
        )

    def set_order_state(self, id_order: int, state: int) -> dict:
        """The merchant changing an order's status in the back office."""
        return self.control("POST", f"prestashop/orders/{id_order}/state", {"state": state})

    def state(self, kind: str | None = None) -> Any:
        """Documents of a kind ('picqer.orders', 'ps.stock_availables', ...) or counts."""
        return self.control("GET", f"state/{kind}" if kind else "state")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
