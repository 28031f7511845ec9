-- select1.sql: the round trip with nothing in it, the floor under every figure measured the same way.
SELECT 1;
