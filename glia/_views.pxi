# Zero-copy views of a Network's float32 arrays (included by _core.pyx before _network.pxi).
#
# A view is a read-only NumPy array over the engine's own memory: its base is a memoryview
# whose exporting object is the Network (``arr.base.obj is net``), so the network lives as
# long as any view of it. While a view is open the network is pinned (Network::pin): a
# structural change (adding a neuron, adding or removing an edge, loading, structural
# plasticity) raises BufferError, as bytearray does while a memoryview of it exists, so
# the memory under a view never moves or changes length. Values change in place: views
# are live.

from cpython.buffer cimport PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES, PyBUF_WRITABLE
from cpython.mem cimport PyMem_Free, PyMem_Malloc

#: The arrays a Network lends as views (Network.array), by name: per neuron in
#: neuron_ids order, then the edge weights in edges() order.
VIEW_NAMES = ("values", "currents", "thresholds", "leaks", "resting", "alpha", "bias", "weights")

cdef float _NO_DATA = 0.0   # where an empty view points (a buffer's pointer is never NULL)
cdef char* _FLOAT_FORMAT = "f"   # the struct format of float32


cdef const float* _array_data(CNetwork* net, int which, Py_ssize_t* n) noexcept:
    """Where array ``which`` (its position in VIEW_NAMES) starts, and its length in ``n``
    (the caller holds the network's busy guard)."""
    n[0] = net.size()
    if which == 0:
        return net.state().value.data()
    if which == 1:
        return net.state().input.data()
    if which == 2:
        return net.threshold().data()
    if which == 3:
        return net.leak().data()
    if which == 4:
        return net.resting().data()
    if which == 5:
        return net.alpha().data()
    if which == 6:
        return net.bias().data()
    n[0] = net.num_edges()
    return net.weight().data()


cdef int _view_index(name) except -1:
    if not isinstance(name, str) or name not in VIEW_NAMES:
        raise ValueError(f"name must be one of {', '.join(map(repr, VIEW_NAMES))}, got {name!r}")
    return VIEW_NAMES.index(name)


@cython.final
cdef class _View:
    """The exporter of one view: made under the network's busy guard, it reads where the
    array is and pins the network until it is gone; each buffer it exports pins the
    network again and names the network as its owner (``Py_buffer.obj``), whose
    ``__releasebuffer__`` unpins it."""
    cdef Network net
    cdef const float* data
    cdef Py_ssize_t n

    def __cinit__(self, Network net, int which):
        cdef Py_ssize_t n = 0
        with _Entered(net):
            self.data = _array_data(net._net, which, &n)
            net._net.pin()
        self.net = net
        self.n = n

    def __dealloc__(self):
        if self.net is not None:
            self.net._net.unpin()

    def __getbuffer__(self, Py_buffer* buf, int flags):
        if flags & PyBUF_WRITABLE:
            raise BufferError("a glia.Network's array views are read-only (copy=True gives a "
                              "writable copy)")
        cdef Py_ssize_t* dims = <Py_ssize_t*>PyMem_Malloc(2 * sizeof(Py_ssize_t))
        if dims == NULL:
            raise MemoryError()
        dims[0] = self.n
        dims[1] = sizeof(float)
        buf.buf = <void*>self.data if self.n > 0 else <void*>&_NO_DATA
        buf.obj = self.net
        buf.len = self.n * sizeof(float)
        buf.readonly = 1
        buf.itemsize = sizeof(float)
        buf.format = NULL
        if flags & PyBUF_FORMAT:
            buf.format = _FLOAT_FORMAT
        buf.ndim = 1
        buf.shape = dims if flags & PyBUF_ND else NULL
        buf.strides = dims + 1 if (flags & PyBUF_STRIDES) == PyBUF_STRIDES else NULL
        buf.suboffsets = NULL
        buf.internal = dims
        self.net._net.pin()     # Network.__releasebuffer__ unpins


cdef object _network_array(Network net, int which, bint copy):
    """Array ``which`` of ``net``: a live read-only view, or (``copy``) a float32 copy."""
    cdef Py_ssize_t n = 0
    cdef const float* p
    if copy:
        with _Entered(net):
            p = _array_data(net._net, which, &n)
            return net._vec(p, n)
    return np.asarray(memoryview(_View(net, which)))
