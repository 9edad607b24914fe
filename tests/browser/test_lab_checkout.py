"""JupyterLab: the Payment Element scenarios of issue 4, run through the real JupyterLab UI.

One JupyterLab server and one page for the module: the scenario notebook (a temporary copy,
never saved back) is opened, all cells run through JupyterLab's own "run all" command, and each
test drives its own widget. The checks are shared with the Voilà tests (checkout_scenarios.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from checkout_scenarios import (  # noqa: F401  (the shared tests are collected from here)
    test_decline_then_retry,
    test_ideal_authorize,
    test_ideal_fail,
    test_pay_with_saved_card,
    test_remove_saved_method,
    test_save_new_card_then_redisplayed,
    test_saved_methods_follow_customer_session,
    test_sepa_is_processing,
    test_three_d_secure_complete,
    test_three_d_secure_fail,
    write_notebook,
)
from waits import NAVIGATION_MS, goto, wait_for, wait_for_function

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def scenarios(module_page: Any, jupyter_lab_on: Any, tmp_path_factory: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("lab")
    notebook = write_notebook(root)
    server = jupyter_lab_on(root)
    page = module_page

    def detail() -> str:
        return f"console: {page.kit_console[-20:]}\nlog:\n{server.log_tail()}"

    goto(page, f"{server.base}/lab/tree/{notebook.name}?token={server.token}",
         "JupyterLab to load with the scenario notebook", detail=detail)
    wait_for_function(page, "window.jupyterapp && window.jupyterapp.shell.currentWidget"
                      " && window.jupyterapp.shell.currentWidget.sessionContext"
                      " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                      " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                      "JupyterLab to open the notebook with a kernel", NAVIGATION_MS, detail)
    wait_for_function(page, "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                      ".status === 'idle'", "the notebook's kernel to be idle", NAVIGATION_MS,
                      detail)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_for(page.locator(".kit-payment-element[data-ready='true']").first,
             "a Payment Element in JupyterLab to be ready (after run all)", detail=detail)
    yield page, server
    errors = [line for line in page.kit_console if line.startswith("pageerror")]
    assert not errors, errors
    assert page.kit.unexpected == [], "nothing may leave 127.0.0.1"
