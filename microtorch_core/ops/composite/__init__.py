"""Composite ops: written once from the primitives, so they run on every backend and their
gradients come from their parts (or from a hand-written ``backward`` in Tensor ops).

======================  =======================================================================
``pointwise.py``        square rsqrt reciprocal log1p expm1 sinh cosh log2 log10 exp2 logit
                        xlogy hypot copysign heaviside nan_to_num logaddexp float_power lerp...
``rounding.py``         floor ceil trunc round frac, div(rounding_mode=) floor_divide remainder
``comparison.py``       clamp fmax fmin isnan isinf isfinite isclose allclose equal logical_xor
``activation.py``       relu softmax log_softmax
``reduction.py``        max min mean var std logsumexp sum_to_size
``stats.py``            var_mean std_mean aminmax nansum nanmean count_nonzero cov corrcoef
``indexing.py``         x[key], x[key] = v, cat stack split chunk unbind narrow nonzero
``index_ops.py``        index_add index_copy index_fill masked_select take take_along_dim
                        scatter_reduce
``index_put.py``        index_put put masked_scatter fill_diagonal, scatter's reduce=
``scatter_views.py``    select_scatter slice_scatter diagonal_scatter as_strided_scatter diagflat
``splitting.py``        select tensor_split hsplit vsplit dsplit ravel split_with_sizes
                        unsafe_split unsafe_chunk
``view_copies.py``      expand_copy view_copy permute_copy diagonal_copy ... (the views' copies)
``stacking.py``         atleast_nd hstack vstack dstack column_stack broadcast_tensors
                        block_diag kron cartesian_prod
``rearrange.py``        flip rot90 roll repeat tile repeat_interleave meshgrid
``diagonal.py``         diagonal linalg.diagonal diag diag_embed trace tril triu
``scan.py``             cumsum cumprod logcumsumexp cummax cummin diff trapezoid (trapz)
                        cumulative_trapezoid
``finite_differences.py``  gradient
``sorting.py``          topk kthvalue median msort (over ``primitive/sort.py``)
``searching.py``        unique unique_consecutive bincount searchsorted bucketize
``quantiles.py``        quantile nanquantile nanmedian
``histogram.py``        mode histc histogram histogramdd
``coordinates.py``      argwhere nonzero_static unravel_index
``float_parts.py``      frexp ldexp fmod
``float_neighbours.py`` nextafter
``complex_parts.py``    conj conj_physical resolve_conj resolve_neg real imag angle sgn complex
                        polar (over ``view_as_real``)
``functional_forms.py`` rsub fill
``factories.py``        scalar_tensor empty_strided new_empty_strided empty_permuted
``resize.py``           resize_ resize_as_
``normalization.py``    native_layer_norm native_group_norm native_batch_norm
``layers.py``           conv1d conv2d conv_transpose2d layer_norm group_norm rms_norm pdist
                        channel_shuffle constant_pad_nd grid_sampler grid_sampler_2d
                        grid_sampler_3d (nn.functional's, at the top level)
``fft.py``              fft.fft ifft rfft irfft hfft ihfft and their 2-D and n-D forms, fftfreq
                        rfftfreq fftshift ifftshift (over ``primitive/fft.py``)
``stft.py``             stft istft (frames, window, ``rfft``/``irfft``, overlap-add by ``fold``)
``windows.py``          signal.windows: hann hamming blackman kaiser gaussian ...
``integer.py``          gcd lcm
``creation_like.py``    new_zeros new_ones new_full new_empty new_tensor
``metadata.py``         is_signed is_floating_point is_nonzero get_device data_ptr...
``inplace.py``          add_ mul_ fill_ copy_ ..., the in-place form of any op (``inplace_of``),
                        in-place views (t_ transpose_ ...)
``inplace_random.py``   uniform_ normal_ bernoulli_ exponential_ ... (Philox draws)
======================  =======================================================================
"""
