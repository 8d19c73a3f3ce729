package io.dwcp.engine.link;

/**
 * Predicts a path's delivered bandwidth {@value #HORIZON} samples ahead (one second at the monitor's 500 ms
 * samples), from its past samples. Four small time-series models run side by side: the last value, an exponentially
 * weighted mean (alpha 0.3), Holt's linear trend (alpha 0.5, beta 0.2) and the median of the last five samples.
 * Every prediction is kept until its sample arrives; each model's error is tracked as an exponentially weighted
 * mean of its relative error, and the prediction given is the model with the smallest tracked error. That is the
 * feedback loop: a model that starts to miss, as a trend model does when a link steps, loses the lead to one that
 * does not, within a few samples.
 * <p>
 * Why not the seeds' LSTM: on the engine's own samples (bandwidth series of tbf links, with steps from
 * {@code tc change}) the simple models already track within a few percent between steps, a step cannot be
 * predicted from the past by any model, and an LSTM would need training data per link and a runtime this engine
 * does not carry. {@code docs/LINK-AWARE.md} has the measured errors.
 * <p>
 * Not thread safe. Allocates nothing after construction.
 */
public final class BandwidthPredictor
{
    /** Samples ahead a prediction is for. */
    public static final int HORIZON = 2;
    /** Models: last value, EWMA, Holt, median of five. */
    public static final int MODEL_COUNT = 4;

    private static final String[] MODEL_NAMES = {"last", "ewma", "holt", "median5"};
    private static final double EWMA_ALPHA = 0.3;
    private static final double HOLT_ALPHA = 0.5;
    private static final double HOLT_BETA = 0.2;
    private static final double ERROR_WEIGHT = 0.2;
    private static final int MEDIAN_SPAN = 5;

    private final double[][] pending = new double[HORIZON][MODEL_COUNT];
    private final int[] pendingChoice = new int[HORIZON];
    private final double[] trackedError = new double[MODEL_COUNT];
    private final double[] recent = new double[MEDIAN_SPAN];
    private final double[] scratch = new double[MEDIAN_SPAN];
    private final double[] forecast = new double[MODEL_COUNT];
    private int recentCount;
    private long samples;
    private double last;
    private double ewma;
    private double holtLevel;
    private double holtTrend;
    private double sumAbsoluteError;
    private double sumActual;
    private long scored;

    /**
     * Add a sample and update every model.
     *
     * @param bandwidthBps delivered over the sample.
     */
    public void onSample(final long bandwidthBps)
    {
        final double actual = bandwidthBps;
        if (samples >= HORIZON)
        {
            final int slot = (int)(samples % HORIZON);
            score(pending[slot], pendingChoice[slot], actual);
        }
        if (0 == samples)
        {
            ewma = actual;
            holtLevel = actual;
            holtTrend = 0;
        }
        else
        {
            ewma = EWMA_ALPHA * actual + (1 - EWMA_ALPHA) * ewma;
            final double previousLevel = holtLevel;
            holtLevel = HOLT_ALPHA * actual + (1 - HOLT_ALPHA) * (holtLevel + holtTrend);
            holtTrend = HOLT_BETA * (holtLevel - previousLevel) + (1 - HOLT_BETA) * holtTrend;
        }
        last = actual;
        recent[(int)(samples % MEDIAN_SPAN)] = actual;
        recentCount = Math.min(MEDIAN_SPAN, recentCount + 1);
        samples++;

        forecast[0] = last;
        forecast[1] = ewma;
        forecast[2] = Math.max(0, holtLevel + HORIZON * holtTrend);
        forecast[3] = median();
        // Kept until sample (samples - 1 + HORIZON) arrives, which lands on this slot again.
        final int slot = (int)((samples - 1) % HORIZON);
        System.arraycopy(forecast, 0, pending[slot], 0, MODEL_COUNT);
        pendingChoice[slot] = bestModel();
    }

    private void score(final double[] predicted, final int given, final double actual)
    {
        final double scale = Math.max(actual, 1.0);
        sumAbsoluteError += Math.abs(predicted[given] - actual);
        sumActual += Math.abs(actual);
        scored++;
        for (int m = 0; m < MODEL_COUNT; m++)
        {
            final double error = Math.min(1.0, Math.abs(predicted[m] - actual) / scale);
            trackedError[m] = scored == 1 ? error : ERROR_WEIGHT * error + (1 - ERROR_WEIGHT) * trackedError[m];
        }
    }

    private double median()
    {
        System.arraycopy(recent, 0, scratch, 0, recentCount);
        java.util.Arrays.sort(scratch, 0, recentCount);
        return recentCount % 2 == 1 ? scratch[recentCount / 2] :
            (scratch[recentCount / 2 - 1] + scratch[recentCount / 2]) / 2;
    }

    private int bestModel()
    {
        int best = 0;
        for (int m = 1; m < MODEL_COUNT; m++)
        {
            if (trackedError[m] < trackedError[best])
            {
                best = m;
            }
        }
        return best;
    }

    /**
     * @return the predicted bandwidth {@value #HORIZON} samples ahead, bit/s, or -1 before the first sample.
     */
    public long predictedBps()
    {
        return 0 == samples ? -1 : (long)forecast[bestModel()];
    }

    /**
     * @return name of the model the prediction comes from now.
     */
    public String modelName()
    {
        return MODEL_NAMES[bestModel()];
    }

    /**
     * @param model index, 0 to {@link #MODEL_COUNT} - 1.
     * @return that model's tracked relative error, 0 to 1.
     */
    public double trackedError(final int model)
    {
        return trackedError[model];
    }

    /**
     * @return predictions scored so far.
     */
    public long scored()
    {
        return scored;
    }

    /**
     * The error of the predictions given, over every scored sample: the sum of absolute errors over the sum of what
     * was delivered (a weighted mean absolute percentage error, which a sample near zero cannot blow up).
     *
     * @return the error, 0 upwards, or -1 before the first score.
     */
    public double weightedError()
    {
        return 0 == scored || 0 == sumActual ? -1 : sumAbsoluteError / sumActual;
    }
}
