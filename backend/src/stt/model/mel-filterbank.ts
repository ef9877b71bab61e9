/**
 * Mel filterbank as Whisper uses it (its `mel_filters.npz` was made with
 * `librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)`): Slaney mel scale (linear below 1 kHz,
 * logarithmic above), triangular filters on the FFT bin frequencies, Slaney area normalisation.
 * Computed in float64, returned as float32 rows of `1 + nFft/2` weights.
 */

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMelSlaney(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

export function melToHzSlaney(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

export function melFilterbank(opts: { sampleRate: number; nFft: number; nMels: number }): Float32Array[] {
  const { sampleRate, nFft, nMels } = opts;
  const nBins = 1 + Math.floor(nFft / 2);
  const fftFreqs = Array.from({ length: nBins }, (_, k) => (k * sampleRate) / nFft);
  const maxMel = hzToMelSlaney(sampleRate / 2);
  const melPoints = Array.from({ length: nMels + 2 }, (_, i) => melToHzSlaney((maxMel * i) / (nMels + 1)));

  const rows: Float32Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = melPoints[m]!;
    const mid = melPoints[m + 1]!;
    const hi = melPoints[m + 2]!;
    const norm = 2 / (hi - lo);
    const row = new Float32Array(nBins);
    for (let k = 0; k < nBins; k++) {
      const f = fftFreqs[k]!;
      const rising = (f - lo) / (mid - lo);
      const falling = (hi - f) / (hi - mid);
      row[k] = Math.max(0, Math.min(rising, falling)) * norm;
    }
    rows.push(row);
  }
  return rows;
}
