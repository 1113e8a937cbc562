from sendable.gate.windows import count_in_window, wait_for_room


def test_an_event_counts_while_now_minus_t_is_less_than_the_window() -> None:
    assert count_in_window([0.0], now=59.999, window=60) == 1
    assert count_in_window([0.0], now=60.0, window=60) == 0


def test_room_at_the_limit_and_one_below() -> None:
    assert wait_for_room([0.0, 1.0], now=2.0, window=60, limit=3) is None
    assert wait_for_room([0.0, 1.0, 2.0], now=2.0, window=60, limit=3) == 58


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    assert wait_for_room([0.5], now=10.0, window=60, limit=1) == 51
    assert wait_for_room([0.0], now=59.9, window=60, limit=1) == 1


def test_far_past_the_limit_waits_for_enough_events_to_age_out() -> None:
    times = [float(t) for t in range(10)]  # ten events, limit three: seven must go
    assert wait_for_room(times, now=10.0, window=100, limit=3) == 97
