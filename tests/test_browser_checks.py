"""The rule the browser flow (tests/browser.py) applies to what the tracking page showed: every
delivery status in order, live or, when a poll missed a fast step, in the page's event list."""

import pytest

from tests.browser import FlowError, FlowResult, Seen, check_statuses

ALL = ["created", "point_assigned", "courier_assigned", "picked_up", "delivered"]
DONE = ["已下单", "备货中", "骑手已接单", "骑手配送中", "已送达"]


def result(seen, events=ALL, done=DONE):
    return FlowResult(seen=[Seen(status=s, headline="", seconds=i) for i, s in enumerate(seen)], events=list(events),
                      steps_done=list(done))


def test_a_step_missed_between_two_polls_passes_when_the_history_lists_it():
    check_statuses(result(["point_assigned", "picked_up", "delivered"]))
    check_statuses(result(ALL))
    # merchant events between the statuses do not matter
    check_statuses(result(["created", "delivered"], events=["created", "accepted", *ALL[1:]]))


@pytest.mark.parametrize("seen, events, done, says", [
    (["point_assigned", "courier_assigned"], ALL, DONE, "never showed delivered"),
    (["courier_assigned", "point_assigned", "delivered"], ALL, DONE, "out of order"),
    (["point_assigned", "delivered"], ["created", "point_assigned", "delivered"], DONE, "not every status"),
    (["point_assigned", "ready_for_pickup"], ALL, DONE, "not a home delivery"),
    (["point_assigned", "delivered"], ALL, DONE[:4], "not all 5 steps"),
])
def test_a_missing_or_misordered_status_fails(seen, events, done, says):
    with pytest.raises(FlowError, match=says):
        check_statuses(result(seen, events, done))
