"""Wire adapter: Thrift structs in and out. Nothing outside this package sees a Thrift struct."""
