/* Test helpers: the paper's MNIST network as a CimNet, and copying the plain reference's
 * weights (tests/support/ref_bnn.h) into it. */
#ifndef CIM_TEST_MNIST_NET_H
#define CIM_TEST_MNIST_NET_H

#include "tests/support/ref_bnn.h"
#include "workloads/net/net.h"

/* Builds the network (shapes inferred, weights zeroed); free with cim_net_free. */
CimStatus test_mnist_net(CimNet *net);
void test_mnist_copy_weights(CimNet *net, const CimRefBnnWeights *w);
/* The other way: the network's weights and pruned flags into the reference's struct. */
void test_mnist_export_weights(const CimNet *net, CimRefBnnWeights *w);

#endif
