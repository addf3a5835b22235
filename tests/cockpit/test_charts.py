"""The cockpit's SVG chart: a pure function, checked on fixed input."""

import re
from datetime import UTC, datetime, timedelta

from sync.services.charts import Series, hourly_chart_svg

START = datetime(2026, 3, 2, 22, tzinfo=UTC)
HOURS = [START + timedelta(hours=i) for i in range(6)]  # 22:00 … 03:00, midnight at index 2


def chart(orders, events=(0,) * 6, title="Shop <A&B>"):
    return hourly_chart_svg(
        hours=HOURS,
        title=title,
        series=[
            Series("orders pushed", "orders", "#417690", list(orders)),
            Series("webhook events", "events", "#d2893a", list(events)),
        ],
    )


def test_it_draws_a_point_for_every_hour_with_orders_and_none_for_empty_hours():
    svg = chart([0, 3, 0, 1, 0, 0])
    points = re.findall(r'class="orders-point" data-hour="([^"]+)" data-count="(\d+)"', svg)
    assert points == [(HOURS[1].isoformat(), "3"), (HOURS[3].isoformat(), "1")]


def test_the_highest_count_reaches_the_top_and_zero_sits_on_the_axis():
    svg = chart([0, 4, 0, 2, 0, 0])
    ys = dict(re.findall(r'data-count="(\d+)" cx="[\d.]+" cy="([\d.]+)"', svg))
    assert float(ys["4"]) == 10.0  # PAD_TOP
    assert float(ys["2"]) == 84.0  # half-way down the 148 px plot
    assert ">4</text>" in svg  # the scale is labelled with the maximum


def test_each_series_is_one_line_with_a_vertex_per_hour():
    svg = chart([1, 0, 0, 0, 0, 0], events=[0, 0, 5, 0, 0, 0])
    lines = re.findall(r'<polyline class="(\w+)"[^>]* points="([^"]+)"', svg)
    assert [name for name, _ in lines] == ["orders", "events"]
    assert all(len(points.split()) == 6 for _, points in lines)


def test_midnight_gets_a_day_label_and_text_is_escaped():
    svg = chart([0] * 6)
    assert ">Tue 03</text>" in svg
    assert "<title>Shop &lt;A&amp;B&gt;</title>" in svg
    assert "<A&B>" not in svg


def test_an_empty_chart_still_has_a_scale():
    svg = chart([0] * 6)
    assert "orders-point" not in svg and ">1</text>" in svg
