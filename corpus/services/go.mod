module services

go 1.27
