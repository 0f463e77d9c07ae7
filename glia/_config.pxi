# The training configuration's field table (included by _core.pyx): its rows for
# glia.config, and the one check of a configuration against it.

_FIELD_KINDS = ("int", "float", "bool", "choice", "seed")
_SEED_MAX = 2**64 - 1


cdef list _field_rows():
    """(name, path, kind, choices) of every field of the engine's table, in its order."""
    rows = []
    cdef const vector[CFieldSpec]* table = &train_config_fields()
    cdef size_t k
    for k in range(table.size()):
        name = table.at(k).name.decode()
        choices = tuple(table.at(k).choices.decode().split("|")) if table.at(k).choices[0] else ()
        rows.append((name, tuple(name.split(".")), _FIELD_KINDS[<int>table.at(k).kind], choices))
    return rows


cdef list _FIELDS = _field_rows()


def _train_config_fields():
    """The engine's table of training fields: (name, kind, default, choices, doc) each, with
    the defaults of a default-constructed TrainConfig (floats as their shortest decimal)."""
    cdef CTrainConfig d
    cdef const vector[CFieldSpec]* table = &train_config_fields()
    out = []
    for k, (name, path, kind, choices) in enumerate(_FIELDS):
        v = get_field(d, table.at(k))
        if kind == "seed":
            default = int(d.seed)
        elif kind == "float":
            default = None if v != v else float(str(np.float32(v)))  # NaN: unset
        elif kind == "choice":
            default = choices[int(v)]
        else:
            default = bool(v) if kind == "bool" else int(v)
        out.append((name, kind, default, choices, table.at(k).doc.decode()))
    return tuple(out)


cdef object _rule_problem(rule, str kind, value):
    """None when ``value`` (of the field's Python type) obeys ``rule``, else the rule as text.

    ``rule`` names a field of the engine's table, or is (lo, hi, lo_open, hi_open) for a
    number that is not in it (checked by the same engine function)."""
    cdef CFieldSpec spec
    cdef const CFieldSpec* f
    if isinstance(rule, str):
        f = find_field(rule.encode())
        if f == NULL:
            raise KeyError(rule)
        spec = f[0]
    else:
        spec.kind = FieldKind.kFloat if kind == "float" else FieldKind.kInt
        spec.lo, spec.hi, spec.lo_open, spec.hi_open = rule
        spec.choices = b""
        spec.may_be_unset = False
    if spec.kind == FieldKind.kSeed:
        return None if 0 <= value <= _SEED_MAX else field_rule(spec).decode()
    try:
        x = float(value)
    except OverflowError:
        x = float("inf")
    if x != x:  # NaN: the engine's mark of an unset value, which Python spells None
        return field_rule(spec).decode()
    return None if field_accepts(spec, x) else field_rule(spec).decode()


def _config_problem(list rows, dict train_config=None):
    """The one check of a configuration against the engine's rules (glia._config_base):
    ``rows`` of (rule, kind, value), values in their Python types; with ``train_config``
    (TrainingConfig.to_dict()) also the engine's rules between its fields. Returns None,
    (k, rule text) for the first row out of its rule, or (-1, message) for a broken
    relation."""
    for k, (rule, kind, value) in enumerate(rows):
        text = _rule_problem(rule, kind, value)
        if text is not None:
            return (k, text)
    cdef CTrainConfig c
    if train_config is not None:
        c = _fill_config(train_config)
        text = config_relation_error(c).decode()
        if text:
            return (-1, text)
    return None


cdef CTrainConfig _fill_config(dict d) except *:
    """The engine's TrainConfig from TrainingConfig.to_dict() (values already checked)."""
    cdef CTrainConfig c
    cdef const vector[CFieldSpec]* table = &train_config_fields()
    for k, (name, path, kind, choices) in enumerate(_FIELDS):
        v = d
        for part in path:
            v = v[part]
        if kind == "seed":
            c.seed = v
        else:
            set_field(c, table.at(k), choices.index(v) if kind == "choice"
                      else float("nan") if v is None else float(v))
    return c


def _engine_validate(dict d):
    """Test hook: checks TrainingConfig.to_dict() with the engine's own validator alone (as
    the C++ trainers do before any work): ValueError("config.<field> must be ..., got ...")."""
    validate_config(_fill_config(d))


cdef CTrainConfig _make_config(dict d, int32_t default_index) except *:
    """The engine's TrainConfig for a trainer from a checked TrainingConfig.to_dict(): every
    field, the detector's default output (the engine checks it again, as it checks every
    config it is given)."""
    cdef CTrainConfig c = _fill_config(d)
    c.detector.default_id = default_index
    return c
