"""Function contract: Spark's "<name> does not exist" miss, CRUD and listing."""

from __future__ import annotations

import pytest

CLASS = "com.example.udf.Upper"


def make_function(hms, db, name, class_name=CLASS, uris=(("JAR", "file:/tmp/udf.jar"),)):
    T = hms.T
    return T.Function(
        functionName=name, dbName=db, className=class_name, ownerName="tester", ownerType=T.PrincipalType.USER,
        createTime=0, functionType=T.FunctionType.JAVA,
        resourceUris=[T.ResourceUri(resourceType=getattr(T.ResourceType, kind), uri=uri) for kind, uri in uris],
    )


def test_get_missing_function(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        hms.client.get_function(db, "nofunc")
    assert "nofunc does not exist" in info.value.message  # Spark's getFunctionOption matches this text
    assert info.value.message == f"Function {db}.nofunc does not exist"


def test_create_and_get_function(hms):
    db = hms.new_db()
    hms.client.create_function(make_function(hms, db, "MyUpper", uris=[("JAR", "file:/tmp/a.jar"),
                                                                          ("FILE", "file:/tmp/b.txt")]))
    f = hms.client.get_function(db, "myupper")
    assert (f.functionName, f.dbName, f.className) == ("myupper", db, CLASS)
    assert f.functionType == hms.T.FunctionType.JAVA
    assert f.ownerName == "tester" and f.ownerType == hms.T.PrincipalType.USER
    assert [(r.resourceType, r.uri) for r in f.resourceUris] == [
        (hms.T.ResourceType.JAR, "file:/tmp/a.jar"), (hms.T.ResourceType.FILE, "file:/tmp/b.txt")]
    assert f.createTime > 0
    assert hms.client.get_function(db.upper(), "MYUPPER").functionName == "myupper"


def test_create_duplicate_function(hms):
    db = hms.new_db()
    hms.client.create_function(make_function(hms, db, "f"))
    with pytest.raises(hms.T.AlreadyExistsException) as info:
        hms.client.create_function(make_function(hms, db, "F", class_name="other.Cls"))
    assert f"{db}.f" in info.value.message
    assert hms.client.get_function(db, "f").className == CLASS


def test_create_function_in_missing_database(hms):
    db = hms.unique("nodb")
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        hms.client.create_function(make_function(hms, db, "f"))
    assert db in info.value.message


def test_create_function_without_class_name(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_function(make_function(hms, db, "f", class_name=None))
    assert "class name" in info.value.message
    assert hms.client.get_functions(db, "*") == []


def test_get_functions_pattern(hms):
    db = hms.new_db()
    for name in ("sum_a", "sum_b", "avg_x"):
        hms.client.create_function(make_function(hms, db, name))
    other = hms.new_db()
    hms.client.create_function(make_function(hms, other, "sum_other"))
    assert hms.client.get_functions(db, "*") == ["avg_x", "sum_a", "sum_b"]
    assert hms.client.get_functions(db, "sum*") == ["sum_a", "sum_b"]
    assert hms.client.get_functions(db, "SUM_A|avg*") == ["avg_x", "sum_a"]
    assert hms.client.get_functions(db, "nothing*") == []


def test_get_all_functions(hms):
    db = hms.new_db()
    hms.client.create_function(make_function(hms, db, "f1"))
    hms.client.create_function(make_function(hms, db, "f2", class_name="x.F2"))
    response = hms.client.get_all_functions()
    assert isinstance(response, hms.T.GetAllFunctionsResponse)
    mine = sorted((f.functionName, f.className) for f in response.functions if f.dbName == db)
    assert mine == [("f1", CLASS), ("f2", "x.F2")]


def test_alter_function(hms):
    db = hms.new_db()
    hms.client.create_function(make_function(hms, db, "f"))
    changed = make_function(hms, db, "f", class_name="com.example.udf.Lower", uris=[("JAR", "file:/tmp/v2.jar")])
    hms.client.alter_function(db, "f", changed)
    f = hms.client.get_function(db, "f")
    assert f.className == "com.example.udf.Lower"
    assert [r.uri for r in f.resourceUris] == ["file:/tmp/v2.jar"]


def test_alter_missing_function(hms):
    db = hms.new_db()
    with pytest.raises((hms.T.InvalidOperationException, hms.T.MetaException)) as info:
        hms.client.alter_function(db, "nofunc", make_function(hms, db, "nofunc"))
    assert "nofunc" in info.value.message
    assert hms.client.get_functions(db, "*") == []


def test_drop_function(hms):
    db = hms.new_db()
    hms.client.create_function(make_function(hms, db, "f"))
    hms.client.create_function(make_function(hms, db, "g"))
    hms.client.drop_function(db, "F")
    assert hms.client.get_functions(db, "*") == ["g"]
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_function(db, "f")
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        hms.client.drop_function(db, "f")
    assert "f does not exist" in info.value.message


def test_drop_database_cascade_drops_functions(hms):
    db = hms.new_db()
    hms.client.create_function(make_function(hms, db, "f"))
    hms.client.drop_database(db, False, True)
    hms.client.create_database(hms.make_database(db))
    assert hms.client.get_functions(db, "*") == []
    assert [f for f in hms.client.get_all_functions().functions if f.dbName == db] == []


def test_drop_database_with_functions_without_cascade(hms):
    db = hms.new_db()
    hms.client.create_function(make_function(hms, db, "f"))
    with pytest.raises(hms.T.InvalidOperationException) as info:
        hms.client.drop_database(db, False, False)
    assert info.value.message == f"Database {db} is not empty. One or more functions exist."
    assert hms.client.get_function(db, "f").functionName == "f"
