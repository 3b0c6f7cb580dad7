"""geo.py: home cells, coarsening, resolution choice, area limits, disks and covers."""

from __future__ import annotations

import h3
import pytest

from frontporch import geo

CHICAGO = (41.878113, -87.629799)


def test_home_cell_is_resolution_8_and_contains_the_point() -> None:
    cell = geo.home_cell(*CHICAGO)
    assert geo.HOME_RESOLUTION == 8
    assert h3.get_resolution(cell) == 8
    assert h3.latlng_to_cell(*CHICAGO, 8) == cell


def test_the_home_resolution_hides_a_house_among_hundreds() -> None:
    # Resolution 8: ~0.74 km² per cell (H3 table). At 800-2,000 households per km²
    # (suburban) a cell holds hundreds; resolution 9 (~0.105 km²) would hold dozens.
    area = geo.average_area_km2(geo.HOME_RESOLUTION)
    assert 0.70 < area < 0.78
    assert 800 * area > 500
    assert 2000 * geo.average_area_km2(9) < 250
    assert 0.5 < geo.average_edge_km(geo.HOME_RESOLUTION) < 0.56


def test_int_and_string_forms_round_trip() -> None:
    cell = geo.home_cell(*CHICAGO)
    as_int = geo.cell_to_int(cell)
    assert 0 < as_int < 2**63  # fits a signed BIGINT
    assert geo.int_to_cell(as_int) == cell
    assert geo.parse_cell(cell.upper()) == cell


def test_coarsen_takes_the_parent_and_refuses_coarser_cells() -> None:
    fine = h3.latlng_to_cell(*CHICAGO, 12)
    assert geo.coarsen(fine) == geo.home_cell(*CHICAGO)
    assert geo.coarsen(geo.home_cell(*CHICAGO)) == geo.home_cell(*CHICAGO)
    with pytest.raises(geo.GeoError, match="coarser"):
        geo.coarsen(h3.latlng_to_cell(*CHICAGO, 6))


@pytest.mark.parametrize(
    ("lat", "lng"), [(91, 0), (-90.5, 0), (0, 181), (0, -180.01), (float("nan"), 0)]
)
def test_coordinates_off_the_earth_are_refused(lat: float, lng: float) -> None:
    with pytest.raises(geo.GeoError):
        geo.home_cell(lat, lng)


def test_invalid_cells_are_refused() -> None:
    for text in ("", "zz", "8828308281fffff0", "ffffffffffffffff"):
        assert not geo.is_cell(text)
        with pytest.raises(geo.GeoError):
            geo.parse_cell(text)


def test_at_resolution_brings_finer_and_coarser_cells_to_8() -> None:
    cell = geo.home_cell(*CHICAGO)
    fine = h3.latlng_to_cell(*CHICAGO, 10)
    coarse = h3.latlng_to_cell(*CHICAGO, 7)
    assert geo.at_resolution([fine]) == {cell}
    children = geo.at_resolution([coarse])
    assert cell in children
    assert len(children) == 7


def test_square_of_half_a_square_mile_measures_half_a_square_mile() -> None:
    square = geo.square_around(CHICAGO, 0.5)
    assert geo.area_sq_mi(square) == pytest.approx(0.5, rel=0.01)
    assert geo.check_area_limit(square) == pytest.approx(0.5, rel=0.01)


def test_the_area_limit_refuses_larger_areas() -> None:
    with pytest.raises(geo.AreaTooLarge, match=r"at most 0.5 sq mi"):
        geo.check_area_limit(geo.square_around(CHICAGO, 0.6))
    assert geo.check_area_limit(geo.square_around(CHICAGO, 0.6), max_sq_mi=1) > 0.5


def test_polygon_area_matches_h3_cell_area() -> None:
    cell = geo.home_cell(*CHICAGO)
    assert geo.polygon_area_km2(geo.cell_boundary(cell)) == pytest.approx(
        h3.cell_area(cell, "km^2"), rel=0.01
    )


def test_cells_covering_half_a_square_mile_are_few_and_cover_every_corner() -> None:
    square = geo.square_around(CHICAGO, 0.5)
    cells = geo.cells_covering(square)
    assert 2 <= len(cells) <= 12
    assert all(h3.get_resolution(c) == 8 for c in cells)
    for corner in square:
        assert geo.home_cell(*corner) in cells
    assert geo.home_cell(*CHICAGO) in cells


def test_areas_need_three_corners() -> None:
    with pytest.raises(geo.GeoError, match="three"):
        geo.cells_covering([CHICAGO, (41.9, -87.6)])


def test_cells_within_a_radius_form_a_disk() -> None:
    cell = geo.home_cell(*CHICAGO)
    assert geo.cells_within(cell, 0) == {cell}
    one_mile = geo.cells_within(cell, 1.609)
    two_miles = geo.cells_within(cell, 3.218)
    assert cell in one_mile
    assert one_mile < two_miles
    center = geo.cell_center(cell)
    assert all(geo.distance_km(center, geo.cell_center(c)) <= 3.218 for c in two_miles)
    # Roughly the disk's area divided by a cell's area.
    expected = 3.14159 * 3.218**2 / geo.average_area_km2()
    assert 0.6 * expected < len(two_miles) < 1.4 * expected
    with pytest.raises(geo.GeoError):
        geo.cells_within(cell, -1)
