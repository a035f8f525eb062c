data_store_max_pool_size = 48
database_sku_name        = "GP_Gen5_8"
database_sku_capacity    = "8"
database_storage_mb      = "356352"

pgsql_sku        = "MO_Standard_E8ds_v4"
pgsql_storage_mb = 1048576
subnet_suffix    = "expanded"
