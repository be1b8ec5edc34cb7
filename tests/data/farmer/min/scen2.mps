NAME farmer
ROWS
 N  OBJ
 L  TotalAcreage
 G  Feed_WHEAT
 G  Feed_CORN
 L  Beets_yield
 L  Beets_quota
COLUMNS
    DevotedAcreage_WHEAT OBJ 150
    DevotedAcreage_WHEAT TotalAcreage 1
    DevotedAcreage_WHEAT Feed_WHEAT 3
    DevotedAcreage_CORN OBJ 230
    DevotedAcreage_CORN TotalAcreage 1
    DevotedAcreage_CORN Feed_CORN 3.6
    DevotedAcreage_BEETS OBJ 260
    DevotedAcreage_BEETS TotalAcreage 1
    DevotedAcreage_BEETS Beets_yield -24
    QuantityPurchased_WHEAT OBJ 238
    QuantityPurchased_WHEAT Feed_WHEAT 1
    QuantitySold_WHEAT OBJ -170
    QuantitySold_WHEAT Feed_WHEAT -1
    QuantityPurchased_CORN OBJ 210
    QuantityPurchased_CORN Feed_CORN 1
    QuantitySold_CORN OBJ -150
    QuantitySold_CORN Feed_CORN -1
    QuantitySold_BEETS_favorable OBJ -36
    QuantitySold_BEETS_favorable Beets_yield 1
    QuantitySold_BEETS_favorable Beets_quota 1
    QuantitySold_BEETS_unfavorable OBJ -10
    QuantitySold_BEETS_unfavorable Beets_yield 1
RHS
    RHS TotalAcreage 500
    RHS Feed_WHEAT 200
    RHS Feed_CORN 240
    RHS Beets_quota 6000
ENDATA
