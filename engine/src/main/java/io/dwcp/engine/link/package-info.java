/**
 * The link-aware part of the sender: what it measures of each path to a receiver ({@link
 * io.dwcp.engine.link.PathMonitor}, {@link io.dwcp.engine.link.NetworkMetrics}), the tier it detects ({@link
 * io.dwcp.engine.link.TierDetector}), the bandwidth it predicts ({@link io.dwcp.engine.link.BandwidthPredictor}),
 * the compression level it chooses for the link ({@link io.dwcp.engine.link.LevelSelector}), how it adapts ({@link
 * io.dwcp.engine.link.LinkAdaptation}) and the bandwidth each transfer reserves ({@link
 * io.dwcp.engine.link.BandwidthBudget}). Nothing here touches Aeron: the sender feeds it what it observes.
 */
package io.dwcp.engine.link;
