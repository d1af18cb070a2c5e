"""Small pieces of plane geometry for the overlay: polylines, arcs, zig-zags, outlines. Points are (x, y)."""

from __future__ import annotations

import math

Point = tuple[float, float]


def spline(points: list[Point]) -> str:
    """A Graphviz ``pos`` spline drawing straight segments through the points (each a flat cubic)."""
    out = [points[0]]
    for previous, point in zip(points, points[1:], strict=False):
        out += [previous, point, point]
    return " ".join([f"{x:.1f},{y:.1f}" for x, y in out])


def bezier(p0: Point, p1: Point, p2: Point, p3: Point, steps: int = 16) -> list[Point]:
    """Sample a cubic Bezier curve as a polyline."""
    result = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        result.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return result


def length(points: list[Point]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False))


def point_at(points: list[Point], distance: float) -> tuple[Point, Point]:
    """The point that far along the polyline, and the unit direction there."""
    for a, b in zip(points, points[1:], strict=False):
        step = math.dist(a, b)
        if step > 0 and distance <= step:
            t = distance / step
            return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), ((b[0] - a[0]) / step, (b[1] - a[1]) / step)
        distance -= step
    a, b = points[-2], points[-1]
    step = math.dist(a, b) or 1.0
    return b, ((b[0] - a[0]) / step, (b[1] - a[1]) / step)


def sub_path(points: list[Point], start: float, end: float) -> list[Point]:
    """The part of a polyline between two distances along it."""
    result = [point_at(points, start)[0]]
    travelled = 0.0
    for a, b in zip(points, points[1:], strict=False):
        travelled += math.dist(a, b)
        if start < travelled < end:
            result.append(b)
    result.append(point_at(points, end)[0])
    return result


def zigzag(points: list[Point], amplitude: float = 4.0, wave: float = 10.0, straight_ends: float = 6.0) -> list[Point]:
    """A zig-zag following the polyline (Graphviz has no zig-zag edge, so we draw one)."""
    total = length(points)
    if total <= 2 * straight_ends + wave:
        return points
    teeth = min(max(int((total - 2 * straight_ends) / (wave / 2)), 2), 120)  # long lines get longer waves
    step = (total - 2 * straight_ends) / teeth
    spans = [math.dist(a, b) for a, b in zip(points, points[1:], strict=False)]
    result = [points[0]]
    segment, start = 0, 0.0  # walk the polyline once, segment by segment
    for i in range(teeth + 1):
        distance = straight_ends + i * step
        while segment < len(spans) - 1 and start + spans[segment] < distance:
            start += spans[segment]
            segment += 1
        (ax, ay), (bx, by) = points[segment], points[segment + 1]
        span = spans[segment] or 1.0
        t = (distance - start) / span
        t = 0.0 if t < 0.0 else 1.0 if t > 1.0 else t
        dx, dy = (bx - ax) / span, (by - ay) / span
        side = 0.0 if i == 0 or i == teeth else (amplitude if i % 2 else -amplitude)
        result.append((ax + (bx - ax) * t - dy * side, ay + (by - ay) * t + dx * side))
    result.append(points[-1])
    return result


def offset(points: list[Point], distance: float) -> list[Point]:
    """The polyline moved sideways by ``distance`` (left of its direction when positive)."""
    result = []
    for index, (x, y) in enumerate(points):
        a = points[max(index - 1, 0)]
        b = points[min(index + 1, len(points) - 1)]
        span = math.dist(a, b) or 1.0
        nx, ny = -(b[1] - a[1]) / span, (b[0] - a[0]) / span
        result.append((x + nx * distance, y + ny * distance))
    return result


def toward(a: Point, b: Point, distance: float) -> Point:
    """The point ``distance`` from a on the way to b."""
    d = math.dist(a, b) or 1.0
    return a[0] + (b[0] - a[0]) * distance / d, a[1] + (b[1] - a[1]) * distance / d


def outline(rows: list[tuple[float, float, float, float]]) -> list[Point]:
    """A closed staircase outline around stacked rows (left, right, top, bottom), top row first."""
    right: list[Point] = []
    left: list[Point] = []
    for index, (lo, hi, top, bottom) in enumerate(rows):
        upper = top if index == 0 else (rows[index - 1][3] + top) / 2
        lower = bottom if index == len(rows) - 1 else (bottom + rows[index + 1][2]) / 2
        right += [(hi, upper), (hi, lower)]
        left += [(lo, upper), (lo, lower)]
    ring = right + list(reversed(left))
    return [*ring, ring[0]]
