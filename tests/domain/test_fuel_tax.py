"""The fuel-tax return's arithmetic, computed by hand: economy from purchases (or the
logbook's estimate), fuel burnt per jurisdiction, net of the fuel bought there."""

from __future__ import annotations

from decimal import Decimal as D

from doorstep.domain.fuel_tax import Bought, Driven, by_jurisdiction, economies, rows


def test_economy_comes_from_purchases_and_splits_the_fuel_by_kilometres():
    driven = [Driven("v1", "North", D("300")), Driven("v1", "South", D("100"))]
    bought = [
        Bought("v1", "South", D("40"), D("70.00")),
        Bought("v1", "South", D("10"), D("17.50")),
    ]
    economy = economies(driven, bought, {"v1": D("60")})
    assert economy["v1"].basis == "purchases"
    assert economy["v1"].km_per_litre == D("8.0000")  # 400 km / 50 l
    table = rows(driven, bought, economy)
    north, south = table
    assert (north.jurisdiction, north.taxable_litres, north.litres_bought) == (
        "North",
        D("37.500"),
        D("0.000"),
    )
    assert north.net_taxable_litres == D("37.500")  # owed to North
    assert (south.taxable_litres, south.litres_bought, south.cost) == (
        D("12.500"),
        D("50.000"),
        D("87.50"),
    )
    assert south.net_taxable_litres == D("-37.500")  # a credit: tax paid at South's pumps
    assert sum(r.net_taxable_litres for r in table) == 0  # all fuel bought was burnt


def test_without_purchases_the_logbook_estimate_is_the_basis_and_said_so():
    driven = [Driven("v1", "North", D("120"))]
    economy = economies(driven, [], {"v1": D("12")})
    assert (economy["v1"].basis, economy["v1"].km_per_litre) == ("estimate", D("10.0000"))
    (row,) = rows(driven, [], economy)
    assert (row.taxable_litres, row.net_taxable_litres) == (D("12.000"), D("12.000"))


def test_with_neither_the_taxable_fuel_is_unknown_not_zero():
    driven = [Driven("v1", "North", D("50")), Driven("v2", "North", D("50"))]
    economy = economies(driven, [Bought("v2", "North", D("5"), D("9"))], {})
    assert economy["v1"].basis == "unknown"
    table = rows(driven, [Bought("v2", "North", D("5"), D("9"))], economy)
    assert table[0].taxable_litres is None and table[1].taxable_litres == D("5.000")
    ((name, km, taxable, bought, net),) = by_jurisdiction(table)
    assert (name, km, taxable, bought, net) == ("North", D("100.000"), None, D("5.000"), None)


def test_fuel_bought_where_the_vehicle_never_drove_is_a_row_of_its_own():
    driven = [Driven("v1", "North", D("80"))]
    bought = [Bought("v1", "East", D("10"), D("20"))]
    table = rows(driven, bought, economies(driven, bought, {}))
    assert [(r.jurisdiction, r.km, r.taxable_litres, r.net_taxable_litres) for r in table] == [
        ("East", D("0.000"), D("0.000"), D("-10.000")),
        ("North", D("80.000"), D("10.000"), D("10.000")),
    ]
    assert [t[0] for t in by_jurisdiction(table)] == ["East", "North"]
